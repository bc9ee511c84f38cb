package protocol

// MatchStatus is the answer of a PayloadRule to a line prefix.
type MatchStatus uint8

// Payload rule answers.
const (
	NoMatch  MatchStatus = iota // not a payload header: frame it as a line
	NeedMore                    // could be a header: wait for more bytes
	Match                       // a header: Length raw bytes (or bytes up to End) follow it
)

// PayloadMatch is what a PayloadRule found at the start of a line.
type PayloadMatch struct {
	Status MatchStatus
	Header int // bytes of the line that form the header, payload excluded
	Length int // raw payload bytes that follow the header
	LinkID int
	// End, when not empty, makes the payload delimited rather than counted
	// (Length is ignored): it runs up to End, which is not part of it
	// (WizFi's ESC 'S' <cid> … ESC 'E'). End[0] is an escape byte: inside
	// the payload it comes doubled for one End[0] of data, so End never
	// occurs in the data; End[0] followed by anything but itself or the
	// rest of End cuts the payload short there, and the bytes from that
	// End[0] on are framed as usual (they may open the next record). End
	// must be at least two bytes with End[1] != End[0]; a Match with
	// another End is not a header. A payload longer than MaxDelimited
	// comes as several records with the same header.
	End string
}

// FrameSpec tells a Framer how a module frames its output.
type FrameSpec struct {
	// MaxLine is the longest line kept whole; a longer one becomes a single
	// KindNoise record holding its first MaxLine bytes and the count of the
	// rest in Dropped. Zero means DefaultMaxLine.
	MaxLine int
	// Prompts are byte strings that, alone at the start of a line, are a
	// complete record with no line ending (Inventek's "> ").
	Prompts []string
	// PayloadPrefixes are line starts that may open a payload (counted or
	// delimited); only lines that start with one are shown to Payload.
	PayloadPrefixes []string
	// Payload inspects a line that starts with one of PayloadPrefixes, as
	// far as it has arrived (no line ending). It must not keep the slice.
	Payload func(line []byte) PayloadMatch
	// Answer, when set, gives the framing of the answer to one command
	// line, beside the spec's own (ESP-AT's "+CIPRECVDATA:<n>," is a
	// header only in the answer to AT+CIPRECVDATA), or nil for none. The
	// session tells the framer which command is outstanding
	// (Framer.SetCommand).
	Answer func(command string) *AnswerFrame
}

// AnswerFrame is how the answer to one command is framed beside a
// FrameSpec's rules: its payload prefixes are tried after the spec's own,
// by its own rule; or the answer's data runs up to a terminator.
type AnswerFrame struct {
	PayloadPrefixes []string
	Payload         func(line []byte) PayloadMatch

	// DataUntil, when not empty, makes the answer's bytes one KindData
	// record (LinkID, no Text) that ends before the first of these strings
	// to arrive, for answers that carry data without a length (Inventek's
	// R0: "\r\n<data>\r\nOK\r\n> "). The data starts with the first byte
	// after the command became outstanding, Skip dropped from its start;
	// the terminator and what follows are framed as usual. Data that
	// reaches MaxUntil bytes with no terminator is emitted at that size and
	// the rest framed as usual.
	DataUntil []string
	Skip      string
	LinkID    int // of the data record; NoLink when it names none
}

// MaxDelimited bounds the data of one record of a delimited payload
// (PayloadMatch.End); a longer payload comes in several records.
const MaxDelimited = 64 << 10

// MaxUntil bounds the data of an answer framed by AnswerFrame.DataUntil.
const MaxUntil = 64 << 10

// DefaultMaxLine is the Realtek host-mode command buffer, the largest line
// limit of the supported modules.
const DefaultMaxLine = 2000

// MaxHeader bounds how long a payload header may grow before the framer
// gives up on it and frames the line as text.
const MaxHeader = 256
