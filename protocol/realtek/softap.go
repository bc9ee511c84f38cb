package realtek

import "fmt"

// FormatAPClientConnected is the soft-AP message for a station that joined
// the module's access point (A.4).
func FormatAPClientConnected(mac string) []byte {
	return fmt.Appendf(nil, "[$]client connected:\"%s\"\r\n", mac)
}

// FormatAPClientDisconnected is the soft-AP message for a station that
// left the module's access point.
func FormatAPClientDisconnected(mac string) []byte {
	return fmt.Appendf(nil, "[$]client disconnected:\"%s\"\r\n", mac)
}

// FormatAPAssignIP is the soft-AP message for the address the module's
// DHCP server gave a station.
func FormatAPAssignIP(ip, mac string) []byte {
	return fmt.Appendf(nil, "[$]assign client ip:\"%s\",hwaddr:\"%s\"\r\n", ip, mac)
}
