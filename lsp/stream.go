package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// maxMessage bounds one message body; larger ones are skipped unread (a
// 64 MiB document is not something to scan keystroke by keystroke).
const maxMessage = 64 << 20

// maxHeaderLine bounds a header line; longer ones are garbage (only their
// tail is kept, in case a header follows the garbage on the same line).
const maxHeaderLine = 4096

// Buffer sizes: the reader starts at minBuffer and gives back memory above
// keepBuffer once a large message has been handled.
const (
	minBuffer  = 64 << 10
	keepBuffer = 8 << 20
)

// tolerantStream is a jsonrpc2.Stream for LSP's Content-Length framing that
// survives garbage. jsonrpc2's own stream returns an error for a bad header
// or a body that is not JSON-RPC, and its conn then closes the connection:
// one stray byte from a misbehaving client would kill the server. This one
// logs what it skips and reads on; only the end of input (or a closed pipe)
// ends the stream.
//
// A wrong Content-Length must not desynchronise the stream either (issue
// 10): every later message would be read from the wrong offset and lost.
// Like mature servers (rust-analyzer's lsp-server, vscode-jsonrpc), it
// resynchronises on the next `Content-Length:` header: a header found after
// garbage on a line starts a new frame, and so does a header found inside a
// body that declared more bytes than it had. A header is recognised inside a
// body only as `Content-Length: <digits>` followed by a raw line break,
// which valid JSON cannot contain (a line break inside a JSON string is
// always escaped), so a document whose text mentions Content-Length is never
// cut.
type tolerantStream struct {
	src    io.Reader
	buf    []byte // buf[r:] is read from src but not consumed yet
	r      int
	srcErr error // sticky: src failed or ended
	out    io.Writer
	closer io.Closer
	wmu    sync.Mutex
	// skipped is told about every frame that was dropped, with why.
	skipped func(reason string)
	// frameStart is when the frame being read began to arrive (or, when
	// its first bytes were already buffered, when reading it began).
	frameStart time.Time
}

func newTolerantStream(r io.Reader, w io.Writer, c io.Closer, skipped func(string)) *tolerantStream {
	if skipped == nil {
		skipped = func(string) {}
	}
	return &tolerantStream{src: r, buf: make([]byte, 0, minBuffer), out: w, closer: c, skipped: skipped}
}

// errSkip marks a frame to drop; Read loops past it.
var errSkip = errors.New("skip frame")

func (s *tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		msg, n, err := s.readFrame()
		if errors.Is(err, errSkip) {
			continue
		}
		return msg, n, err
	}
}

// avail is the number of bytes read and not consumed.
func (s *tolerantStream) avail() int { return len(s.buf) - s.r }

// fill reads more input into the buffer (blocking until some arrives). It
// keeps the unconsumed bytes, moving them to the front when that frees
// enough room and growing the buffer otherwise, so a message costs
// amortised linear copying however it is split into reads.
func (s *tolerantStream) fill() error {
	for {
		if s.srcErr != nil {
			return s.srcErr
		}
		if len(s.buf) == cap(s.buf) {
			n := s.avail()
			if s.r > 0 && n <= cap(s.buf)/2 {
				copy(s.buf, s.buf[s.r:])
				s.buf = s.buf[:n]
			} else {
				nb := make([]byte, n, max(2*cap(s.buf), minBuffer))
				copy(nb, s.buf[s.r:])
				s.buf = nb
			}
			s.r = 0
		}
		n, err := s.src.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if n > 0 && s.frameStart.IsZero() {
			s.frameStart = time.Now()
		}
		if err != nil {
			s.srcErr = err
		}
		if n > 0 {
			return nil
		}
	}
}

// consume drops n bytes, and the buffer's memory once a large message is
// done with.
func (s *tolerantStream) consume(n int) {
	s.r += n
	if s.r == len(s.buf) {
		s.buf, s.r = s.buf[:0], 0
		if cap(s.buf) > keepBuffer {
			s.buf = make([]byte, 0, minBuffer)
		}
	}
}

// readLine returns the next header line, trimmed. A line over
// maxHeaderLine bytes is cut to its tail and reported as long.
func (s *tolerantStream) readLine() (line string, long bool, err error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(s.buf[s.r+scanned:], '\n'); i >= 0 {
			end := s.r + scanned + i
			line = string(bytes.TrimSpace(s.buf[s.r:end]))
			s.consume(end + 1 - s.r)
			return line, long, nil
		}
		scanned = s.avail()
		if scanned > maxHeaderLine {
			// Keep a tail long enough for a header's name and value.
			drop := scanned - 64
			s.consume(drop)
			scanned -= drop
			long = true
		}
		if err := s.fill(); err != nil {
			return "", long, err
		}
	}
}

// headerName is what the reader resynchronises on.
const headerName = "content-length:"

func (s *tolerantStream) readFrame() (jsonrpc2.Message, int64, error) {
	s.frameStart = time.Time{}
	if s.avail() > 0 {
		s.frameStart = time.Now()
	}
	length := int64(-1)
	sawHeader := false
	for {
		line, long, err := s.readLine()
		if err != nil {
			if (sawHeader || s.avail() > 0) && errors.Is(err, io.EOF) {
				s.skipped("input ended inside a header")
			}
			return nil, 0, err
		}
		if i := lastIndexHeaderName(line); i > 0 || (long && i == 0) {
			// Garbage, then a header: the remains of a frame whose
			// Content-Length was wrong. A new frame starts here (at the
			// last header on the line: the garbage may mention one).
			s.skipped(fmt.Sprintf("%d bytes of garbage before a header; resynchronised", i))
			line, length, sawHeader = line[i:], -1, false
		} else if long {
			s.skipped("overlong header line")
			length, sawHeader = -1, false
			continue
		}
		if line == "" {
			if !sawHeader {
				continue // blank lines between frames are harmless
			}
			break
		}
		name, value, found := strings.Cut(line, ":")
		if !found {
			// Not a header: resynchronise on the next header block.
			s.skipped(fmt.Sprintf("invalid header line (%d bytes)", len(line)))
			length, sawHeader = -1, false
			continue
		}
		sawHeader = true
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if err != nil || n <= 0 {
				s.skipped("bad Content-Length")
				length = -1
				continue
			}
			length = n
		}
	}
	if length < 0 {
		s.skipped("frame without a valid Content-Length")
		return nil, 0, errSkip
	}
	if length > maxMessage {
		s.skipped(fmt.Sprintf("message of %d bytes is over the %d limit", length, maxMessage))
		return nil, 0, s.discard(length)
	}
	body, err := s.readBody(int(length))
	if err != nil {
		return nil, 0, err
	}
	msg, err := decodeMessage(body)
	if errors.Is(err, errTooDeep) {
		s.skipped(fmt.Sprintf("message nests deeper than %d levels", maxNesting))
		s.rejectUndecodable(body, fmt.Sprintf("keyguard: message nests deeper than %d levels", maxNesting))
		s.consume(len(body))
		return nil, 0, errSkip
	}
	if err != nil {
		s.skipped("undecodable message: " + err.Error())
		s.skipBody(len(body))
		return nil, 0, errSkip
	}
	s.consume(len(body))
	if n, ok := msg.(*notification); ok {
		n.received = s.frameStart
	}
	return msg, length, nil
}

// readBody returns a copy of the next n bytes without consuming them (the
// caller consumes them once they decode, or calls skipBody). If a header
// appears among them (the declared length was longer than the body), the
// bytes before it are dropped and errSkip returned: the next readFrame
// starts at that header instead of losing the next message (or waiting
// forever for bytes that will never come).
func (s *tolerantStream) readBody(n int) ([]byte, error) {
	scanFrom := 0
	for {
		var at int
		at, scanFrom, _ = findHeader(s.buf[s.r:], scanFrom, n)
		if at >= 0 {
			s.skipped(fmt.Sprintf("Content-Length %d is longer than the message (a header follows after %d bytes); resynchronised", n, at))
			s.consume(at)
			return nil, errSkip
		}
		if s.avail() >= n {
			break
		}
		if err := s.fill(); err != nil {
			s.skipped("input ended inside a message body")
			return nil, err
		}
	}
	// A copy the message can keep (the buffer is reused); append, unlike
	// make, does not zero megabytes first.
	return append([]byte(nil), s.buf[s.r:s.r+n]...), nil
}

// skipBody drops the n-byte body that failed to decode. When its end may
// be the start of the next header (the declared length overshot the body
// by a few bytes, as when it was counted in characters rather than bytes),
// it reads on until that is decided and resynchronises there; the wait is
// harmless since this frame gets no answer anyway.
func (s *tolerantStream) skipBody(n int) {
	for {
		at, _, cut := findHeader(s.buf[s.r:], max(0, n-len(headerName)-32), n)
		if at >= 0 {
			s.skipped(fmt.Sprintf("Content-Length %d cuts into the next header; resynchronised", n))
			s.consume(at)
			return
		}
		if !cut && !headerPrefixAtEnd(s.buf[s.r:], n) {
			break
		}
		if err := s.fill(); err != nil {
			break
		}
	}
	s.consume(n)
}

// headerPrefixAtEnd reports whether b ends with a proper prefix of
// "content-length:" that starts before limit.
func headerPrefixAtEnd(b []byte, limit int) bool {
	for k := max(0, len(b)-len(headerName)+1); k < limit && k < len(b); k++ {
		if bytes.EqualFold(b[k:], []byte(headerName[:len(b)-k])) {
			return true
		}
	}
	return false
}

// discard drops a message over the size limit without keeping it, still
// resynchronising on a header inside it.
func (s *tolerantStream) discard(n int64) error {
	scanFrom := 0
	for n > 0 {
		within := int(min(n, int64(s.avail())))
		var at int
		at, scanFrom, _ = findHeader(s.buf[s.r:], scanFrom, within)
		if at >= 0 {
			s.skipped("a header inside an oversized message; resynchronised")
			s.consume(at)
			return errSkip
		}
		// Consume what was scanned, keeping a possible partial header.
		drop := min(scanFrom, within)
		s.consume(drop)
		scanFrom -= drop
		n -= int64(drop)
		if n == 0 {
			break
		}
		if err := s.fill(); err != nil {
			return err
		}
	}
	return errSkip
}

// findHeader looks in b[from:] for a header starting before limit:
// `Content-Length:` (any case), optional blanks, digits and a raw line
// break. It returns the header's offset, or -1 and the offset to resume
// the search from once more bytes have arrived; cut says that a header
// seems to start at resume but b ends before it can be told.
func findHeader(b []byte, from, limit int) (at, resume int, cut bool) {
	for from < limit && from < len(b) {
		j := indexHeaderName(b[from:])
		if j < 0 {
			// Keep the last bytes: the name may be cut at the end.
			return -1, max(from, len(b)-len(headerName)+1), false
		}
		i := from + j
		if i >= limit {
			return -1, limit, false
		}
		k := i + len(headerName)
		for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
			k++
		}
		d := k
		for d < len(b) && b[d] >= '0' && b[d] <= '9' {
			d++
		}
		switch {
		case d == len(b):
			return -1, i, true
		case d > k && (b[d] == '\r' || b[d] == '\n'):
			return i, 0, false
		}
		from = i + 1
	}
	return -1, min(from, limit), false
}

// lastIndexHeaderName finds the last "content-length:" in line, in any
// case (byte-wise: strings.ToLower would shift offsets at invalid UTF-8).
func lastIndexHeaderName(line string) int {
	for c := len(line) - 1; c >= len(headerName)-1; c-- {
		if line[c] == ':' && strings.EqualFold(line[c+1-len(headerName):c+1], headerName) {
			return c + 1 - len(headerName)
		}
	}
	return -1
}

// indexHeaderName finds "content-length:" in any case. Header names are
// ASCII, so it looks for the rare "-" followed by "length:" and checks the
// rest, which is as fast as bytes.Index on JSON text.
func indexHeaderName(b []byte) int {
	off := 0
	for {
		j := bytes.IndexByte(b[off:], ':')
		if j < 0 {
			return -1
		}
		c := off + j // the colon
		if start := c + 1 - len(headerName); start >= 0 && bytes.EqualFold(b[start:c+1], []byte(headerName)) {
			return start
		}
		off = c + 1
	}
}

// rejectUndecodable answers a request that cannot be decoded with an
// InvalidRequest error when its id can be found without decoding, so the
// client does not wait forever; notifications and responses are only
// logged (by the caller).
func (s *tolerantStream) rejectUndecodable(body []byte, why string) {
	rawID := topLevelScalar(body, "id")
	if rawID == nil || topLevelScalar(body, "method") == nil {
		return
	}
	var id jsonrpc2.ID
	if err := json.Unmarshal(rawID, &id); err != nil {
		return
	}
	resp, err := jsonrpc2.NewResponse(id, nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s", why))
	if err != nil {
		return
	}
	_, _ = s.Write(context.Background(), resp)
}

// decodeMessage decodes one JSON-RPC message with a single strict pass over
// the body (jsonscan.go): the whole body must be valid JSON nesting at most
// maxNesting deep (errTooDeep otherwise), with nothing after it, "jsonrpc"
// if present must be "2.0", the method a string and the id a string or a
// 32-bit integer (jsonrpc2 keeps numbers as int32 and would otherwise fail
// later in surprising places). It replaces jsonrpc2.DecodeMessage for
// requests: that parses the body again with segmentio, whose byte-at-a-time
// walk over a document's escaped text cost ~20 ms per pass at 50,000
// lines. Responses (small: answers to the server's own requests) still go
// through jsonrpc2.DecodeMessage once the body is known valid.
func decodeMessage(body []byte) (jsonrpc2.Message, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var version, method, id, params []byte
	err := eachMember(body, true, func(key string, v []byte) error {
		if string(v) == "null" {
			v = nil // as jsonrpc2's decoder: a null member is an absent one
		}
		switch {
		case keyIs(key, "jsonrpc"):
			version = v
			if v == nil {
				return errors.New(`"jsonrpc" is null`)
			}
		case keyIs(key, "method"):
			method = v
		case keyIs(key, "id"):
			id = v
		case keyIs(key, "params"):
			params = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if version != nil {
		if v, ok := jsonString(version); !ok || v != jsonrpc2.Version {
			return nil, errors.New(`"jsonrpc" is not "2.0"`)
		}
	}
	var name string
	if method != nil {
		var ok bool
		if name, ok = jsonString(method); !ok {
			return nil, errors.New("method is not a string")
		}
	}
	var callID *jsonrpc2.ID
	if id != nil {
		if id[0] == '"' {
			str, ok := jsonString(id)
			if !ok {
				return nil, errors.New("bad string id")
			}
			v := jsonrpc2.NewStringID(str)
			callID = &v
		} else {
			n, err := strconv.ParseInt(string(id), 10, 32)
			if err != nil {
				return nil, errors.New("id is neither a string nor a 32-bit integer")
			}
			v := jsonrpc2.NewNumberID(int32(n))
			callID = &v
		}
	}
	switch {
	case name == "":
		// No method: a response (jsonrpc2's rule).
		return jsonrpc2.DecodeMessage(body)
	case callID != nil:
		// A call must be jsonrpc2's own *Call: conn replies only to
		// those. NewCall re-reads the params (segmentio validates raw
		// messages it marshals), which costs little for the small
		// params of requests.
		var p any
		if params != nil {
			p = json.RawMessage(params)
		}
		return jsonrpc2.NewCall(*callID, name, p)
	default:
		n, err := jsonrpc2.NewNotification(name, nil)
		if err != nil {
			return nil, err
		}
		return &notification{Notification: n, params: params}, nil
	}
}

// notification is a jsonrpc2 notification whose params were found by
// decodeMessage's own pass. jsonrpc2.NewNotification would marshal them
// (another full segmentio pass over a document's text); embedding the
// library's *Notification keeps conn treating this as a Request (its
// unexported marker methods are promoted), and Params is overridden to
// return the bytes as received.
type notification struct {
	*jsonrpc2.Notification
	params json.RawMessage
	// received is when the message began to arrive: a document's
	// debounce counts from there (receivedAt).
	received time.Time
}

func (n *notification) Params() json.RawMessage { return n.params }

func (s *tolerantStream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("marshaling message: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	n, err := fmt.Fprintf(s.out, "Content-Length: %d\r\n\r\n", len(data))
	if err != nil {
		return int64(n), err
	}
	m, err := s.out.Write(data)
	return int64(n + m), err
}

func (s *tolerantStream) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}
