package ui

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// historyMax is how many input lines are kept, in memory and on disk.
const historyMax = 1000

// history is the console's input history with prefix search: Up with
// "AT+SKT" typed walks only the lines that start with it.
type history struct {
	entries []string // oldest first
	idx     int      // len(entries) when not browsing
	draft   string   // the line being typed when browsing started
}

// add records a submitted line, skipping a repeat of the newest one, and
// stops browsing. It reports whether the line was added.
func (h *history) add(line string) bool {
	h.idx = len(h.entries)
	if line == "" || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == line) {
		h.idx = len(h.entries)
		return false
	}
	h.entries = append(h.entries, line)
	if len(h.entries) > historyMax {
		h.entries = append(h.entries[:0], h.entries[len(h.entries)-historyMax:]...)
	}
	h.idx = len(h.entries)
	return true
}

// load puts lines read from disk before those typed since the start.
func (h *history) load(lines []string) {
	merged := append(append([]string(nil), lines...), h.entries...)
	if len(merged) > historyMax {
		merged = merged[len(merged)-historyMax:]
	}
	h.entries = merged
	h.idx = len(h.entries)
}

// browsing reports whether Up has been pressed since the last edit.
func (h *history) browsing() bool { return h.idx < len(h.entries) }

// stop ends browsing (the user edited the line).
func (h *history) stop() { h.idx = len(h.entries) }

// prev returns the next older line that starts with the draft.
func (h *history) prev(current string) (string, bool) {
	if !h.browsing() {
		h.draft = current
	}
	for i := h.idx - 1; i >= 0; i-- {
		e := h.entries[i]
		if e != current && hasPrefixFold(e, h.draft) {
			h.idx = i
			return e, true
		}
	}
	return "", false
}

// next returns the next newer line that starts with the draft, or the
// draft itself past the newest.
func (h *history) next(current string) (string, bool) {
	if !h.browsing() {
		return "", false
	}
	for i := h.idx + 1; i < len(h.entries); i++ {
		e := h.entries[i]
		if e != current && hasPrefixFold(e, h.draft) {
			h.idx = i
			return e, true
		}
	}
	h.idx = len(h.entries)
	return h.draft, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// historyLoadedMsg carries the history read from disk.
type historyLoadedMsg struct {
	lines []string
	err   error
}

// historySavedMsg reports the end of one append to the history file.
type historySavedMsg struct{ err error }

// loadHistory reads the history file; a missing file is an empty history.
// A file grown past twice the limit is rewritten with its newest lines.
func loadHistory(path string) tea.Cmd {
	return func() tea.Msg {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return historyLoadedMsg{}
		}
		if err != nil {
			return historyLoadedMsg{err: fmt.Errorf("history: %w", err)}
		}
		var lines []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); line != "" {
				lines = append(lines, line)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return historyLoadedMsg{err: fmt.Errorf("history %s: %w", path, err)}
		}
		total := len(lines)
		if total > historyMax {
			lines = lines[total-historyMax:]
		}
		if total > 2*historyMax {
			if err := writeHistory(path, lines); err != nil {
				return historyLoadedMsg{lines: lines, err: err}
			}
		}
		return historyLoadedMsg{lines: lines}
	}
}

// appendHistory adds lines to the history file, creating it (and its
// directory) private to the user.
func appendHistory(path string, lines []string) tea.Cmd {
	return func() tea.Msg {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return historySavedMsg{err: fmt.Errorf("history: %w", err)}
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return historySavedMsg{err: fmt.Errorf("history: %w", err)}
		}
		_, err = f.WriteString(strings.Join(lines, "\n") + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return historySavedMsg{err: fmt.Errorf("history %s: %w", path, err)}
		}
		return historySavedMsg{}
	}
}

// writeHistory replaces the history file atomically.
func writeHistory(path string, lines []string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".history-*")
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	_, err = tmp.WriteString(strings.Join(lines, "\n") + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("history %s: %w", path, err)
	}
	return nil
}
