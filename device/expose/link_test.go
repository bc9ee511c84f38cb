package expose

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestReplaceLink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "module")
	if err := replaceLink(link, "/dev/pts/98"); err != nil {
		t.Fatal(err)
	}
	if err := replaceLink(link, "/dev/pts/99"); err != nil { // a stale link from an earlier run
		t.Fatal(err)
	}
	if got, _ := os.Readlink(link); got != "/dev/pts/99" {
		t.Fatalf("link -> %q, want /dev/pts/99", got)
	}
	file := filepath.Join(dir, "config")
	os.WriteFile(file, []byte("keep me"), 0o644)
	if err := replaceLink(file, "/dev/pts/99"); err == nil {
		t.Fatal("a regular file was replaced by the link")
	}
	if b, _ := os.ReadFile(file); string(b) != "keep me" {
		t.Fatalf("the file now holds %q", b)
	}
}

func TestServePTYLinkGoesWithThePTY(t *testing.T) {
	link := filepath.Join(t.TempDir(), "module")
	d := newFakeDev()
	ctx, cancel := context.WithCancel(context.Background())
	path, done, err := PTYOptions{Link: link}.Serve(ctx, d)
	if err != nil {
		cancel()
		t.Skipf("no pty here: %v", err)
	}
	if got, err := os.Readlink(link); err != nil || got != path {
		t.Fatalf("link -> %q (%v), want %s", got, err, path)
	}
	cancel()
	<-done
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Fatalf("the link outlives the pty: %v", err)
	}
	d.Close()
}
