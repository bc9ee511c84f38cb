package realtek

import "testing"

func TestSoftAP(t *testing.T) {
	clk := &stepClock{armed: make(chan *stepTimer, 4)}
	h := newHarness(t, Config{Clock: clk})
	h.Cmd("AT+WLSTARTAP", "\r\nERROR: 1\r\n")
	h.Cmd("AT+WLSTARTAP=ssid", "\r\nERROR: 3\r\n")
	h.Cmd("AT+WLSTARTAP=ssid,x,pw,short", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLSTARTAP=ssid,x,ch,12", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLSTARTAP=ssid,x,sec,wpa2", "\r\nERROR: 1\r\n")
	h.Cmd("AT+WLSTARTAP=pw,12345678", "\r\nERROR: 1\r\n")
	h.Cmd("AT+WLSTARTAP=ssid,test_ssid,pw,12345678,sec,wpa2", "\r\nOK\r\n")
	clk.nextTimer(t).f()
	h.Expect("[$]client connected:\"02:00:00:5a:7e:01\"\r\n[$]assign client ip:\"192.168.43.2\",hwaddr:\"02:00:00:5a:7e:01\"\r\n")
	h.Cmd("AT+WLSTOPAP", "[$]client disconnected:\"02:00:00:5a:7e:01\"\r\n\r\nOK\r\n")
	h.Cmd("AT+WLSTOPAP", "\r\nOK\r\n")
	// An AP stopped before its station joins says nothing of it.
	h.Cmd("AT+WLSTARTAP=ssid,open_ap", "\r\nOK\r\n")
	tm := clk.nextTimer(t)
	h.Cmd("AT+WLSTOPAP", "\r\nOK\r\n")
	tm.f()
	h.Cmd("AT+TEST", "\r\nOK\r\n")

	h.Cmd("AT+WLRECONN=auto,1", "\r\nOK\r\n")
	h.Cmd("AT+WLRECONN=fast,0", "\r\nOK\r\n")
	h.Cmd("AT+WLRECONN", "\r\nERROR: 1\r\n")
	h.Cmd("AT+WLRECONN=auto", "\r\nERROR: 3\r\n")
	h.Cmd("AT+WLRECONN=slow,1", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLRECONN=auto,2", "\r\nERROR: 2\r\n")
	h.Cmd("AT+WLPS=lps,0", "\r\nOK\r\n")
	h.Cmd("AT+WLPS=lps,1,ips,0", "\r\nOK\r\n")
	h.Cmd("AT+WLPS", "\r\nERROR: 1\r\n")
	h.Cmd("AT+WLPS=lps", "\r\nERROR: 3\r\n")
	h.Cmd("AT+WLPS=dps,1", "\r\nERROR: 2\r\n")
	h.Quiet()
}

func TestLogArguments(t *testing.T) {
	h := newHarness(t, Config{})
	for _, c := range []struct{ line, want string }{
		{"AT+LOG", "\r\nERROR: 1\r\n"},
		{"AT+LOG=", "\r\nERROR: 1\r\n"},
		{"AT+LOG=4", "\r\nERROR: 1\r\n"},
		{"AT+LOG=-1,*", "\r\nERROR: 1\r\n"},
		{"AT+LOG=0", "\r\nERROR: 1\r\n"},
		{"AT+LOG=1,*", "\r\nERROR: 1\r\n"},
		{"AT+LOG=1,*,6", "\r\nERROR: 1\r\n"},
		{"AT+LOG=1,*,x", "\r\nERROR: 1\r\n"},
		{"AT+LOG=2,*", "\r\nERROR: 1\r\n"},
		{"AT+LOG=0,*", "\r\nOK\r\n"},
		{"AT+LOG=1,*,4", "\r\nOK\r\n"},
		{"AT+LOG=1,WLAN,0", "\r\nOK\r\n"},
		{"AT+LOG=2", "\r\nOK\r\n"},
		{"AT+LOG=3", "\r\nOK\r\n"},
	} {
		h.Cmd(c.line, c.want)
	}
}
