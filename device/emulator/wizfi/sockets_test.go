package wizfi

import "fmt"

func acceptLine(server, cid, port int) string {
	return fmt.Sprintf("\r\nCONNECT %x %x 127.0.0.1 %d\r\n", server, cid, port)
}
