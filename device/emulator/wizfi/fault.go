package wizfi

// DropWifi is the wifi fault: the module prints "Disassociation Event"
// and every CID is closed (Disassociate).
func (f *Firmware) DropWifi() { f.Disassociate() }
