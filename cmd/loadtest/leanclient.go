package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// leanConn is a load generator's HTTP/1.1 client: one keep-alive
// connection, one request at a time, no goroutines of its own. Go's
// net/http client costs about as much CPU per request as the server's
// whole HTTP stack (two goroutines per connection, a channel hand-off per
// request); on a two-core machine that shares its CPUs between load and
// server, that cost is taken from the server being measured. Tools such as
// wrk exist for this reason; this is the same idea in a few lines, for
// requests whose answers carry Content-Length or are chunked.
type leanConn struct {
	addr string
	host string
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	buf  []byte
}

func newLeanConn(base string) *leanConn {
	host := strings.TrimPrefix(base, "http://")
	return &leanConn{addr: host, host: host}
}

func (c *leanConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// do sends one request with a JSON body and returns the status and body.
func (c *leanConn) do(method, path, token string, body []byte) (int, []byte, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return 0, nil, err
		}
		c.conn, c.r, c.w = conn, bufio.NewReaderSize(conn, 8192), bufio.NewWriterSize(conn, 8192)
	}
	fmt.Fprintf(c.w, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", method, path, c.host, len(body))
	if token != "" {
		fmt.Fprintf(c.w, "Authorization: Bearer %s\r\n", token)
	}
	c.w.WriteString("\r\n")
	c.w.Write(body)
	if err := c.w.Flush(); err != nil {
		c.close()
		return 0, nil, err
	}
	status, resp, keep, err := c.read()
	if err != nil || !keep {
		c.close()
	}
	return status, resp, err
}

func (c *leanConn) read() (status int, body []byte, keep bool, err error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	// "HTTP/1.1 201 Created\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			length, err = strconv.Atoi(string(v))
			if err != nil {
				return 0, nil, false, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			keep = !bytes.EqualFold(v, []byte("close"))
		}
	}
	c.buf = c.buf[:0]
	switch {
	case chunked:
		for {
			sz, err := c.r.ReadSlice('\n')
			if err != nil {
				return 0, nil, false, err
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(sz, []byte(";"), 2)[0])), 16, 64)
			if err != nil {
				return 0, nil, false, fmt.Errorf("bad chunk size %q", sz)
			}
			if n == 0 {
				if _, err := c.r.ReadSlice('\n'); err != nil { // the last CRLF (no trailers)
					return 0, nil, false, err
				}
				break
			}
			start := len(c.buf)
			c.buf = append(c.buf, make([]byte, n)...)
			if _, err := io.ReadFull(c.r, c.buf[start:]); err != nil {
				return 0, nil, false, err
			}
			if _, err := c.r.Discard(2); err != nil {
				return 0, nil, false, err
			}
		}
	case length >= 0:
		c.buf = append(c.buf, make([]byte, length)...)
		if _, err := io.ReadFull(c.r, c.buf); err != nil {
			return 0, nil, false, err
		}
	default:
		return 0, nil, false, errors.New("answer without length")
	}
	return status, c.buf, keep, nil
}
