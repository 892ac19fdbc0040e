package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// Every file kluis-intake reads that comes from outside (a notice, a
// donation, a key file, a passphrase or share code file) is read through
// readLimited: at most its format's limit plus one byte, in chunks, and
// only while the run has not been stopped by a signal. An endless file
// such as /dev/zero costs limit bytes of memory, not all of it. Bundles
// are streamed instead (intake.Store.Import), through a ctxReader.

// readFile reads path, refusing it with tooLarge when it holds more than
// limit bytes and with intake.error.empty_file when it holds none.
func (c *cli) readFile(path string, limit int64, tooLarge func(limit int64) error) ([]byte, error) {
	b, err := c.readUpTo(path, limit, tooLarge)
	if err == nil && len(b) == 0 {
		return nil, c.problem("intake.error.empty_file", nil)
	}
	return b, err
}

// readUpTo reads path, refusing it with tooLarge when it holds more than
// limit bytes.
func (c *cli) readUpTo(path string, limit int64, tooLarge func(limit int64) error) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		return nil, tooLarge(limit)
	}
	b, err := readLimited(c.ctx, f, limit)
	if err == errTooLarge {
		return nil, tooLarge(limit)
	}
	return b, err
}

// errTooLarge is readLimited's answer to more than limit bytes.
var errTooLarge = fmt.Errorf("over the size limit")

// readLimited reads r to its end, but no more than limit+1 bytes: it
// returns errTooLarge past limit, and ctx's error once ctx is done.
func readLimited(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		clear(b)
		return nil, errTooLarge
	}
	return b, nil
}

// A ctxReader stops reading once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	// Read in pieces, so a fast endless source is checked often.
	if len(p) > 256<<10 {
		p = p[:256<<10]
	}
	return r.r.Read(p)
}
