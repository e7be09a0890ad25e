package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	sjson "github.com/segmentio/encoding/json"
	"go.lsp.dev/jsonrpc2"
)

// maxMessage bounds one message body; larger ones are skipped unread (a
// 64 MiB document is not something to scan keystroke by keystroke).
const maxMessage = 64 << 20

// maxHeaderLine bounds a header line; longer ones are garbage.
const maxHeaderLine = 4096

// tolerantStream is a jsonrpc2.Stream for LSP's Content-Length framing that
// survives garbage. jsonrpc2's own stream returns an error for a bad header
// or a body that is not JSON-RPC, and its conn then closes the connection:
// one stray byte from a misbehaving client would kill the server. This one
// logs what it skips and reads on; only the end of input (or a closed pipe)
// ends the stream.
type tolerantStream struct {
	in     *bufio.Reader
	out    io.Writer
	closer io.Closer
	wmu    sync.Mutex
	// skipped is told about every frame that was dropped, with why.
	skipped func(reason string)
}

func newTolerantStream(r io.Reader, w io.Writer, c io.Closer, skipped func(string)) *tolerantStream {
	if skipped == nil {
		skipped = func(string) {}
	}
	return &tolerantStream{in: bufio.NewReaderSize(r, 64<<10), out: w, closer: c, skipped: skipped}
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

// readLine reads one header line; ok is false for an overlong line, whose
// bytes are dropped up to its newline.
func (s *tolerantStream) readLine() (line string, ok bool, err error) {
	b, err := s.in.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = s.in.ReadSlice('\n')
		}
		if err != nil {
			return "", false, err
		}
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if len(b) > maxHeaderLine {
		return "", false, nil
	}
	return strings.TrimSpace(string(b)), true, nil
}

func (s *tolerantStream) readFrame() (jsonrpc2.Message, int64, error) {
	length := int64(-1)
	sawHeader := false
	for {
		line, ok, err := s.readLine()
		if err != nil {
			if sawHeader && errors.Is(err, io.EOF) {
				s.skipped("input ended inside a header")
			}
			return nil, 0, err
		}
		if !ok {
			s.skipped("overlong header line")
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
		if _, err := io.CopyN(io.Discard, s.in, length); err != nil {
			return nil, 0, err
		}
		return nil, 0, errSkip
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(s.in, body); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			s.skipped("input ended inside a message body")
			err = io.EOF
		}
		return nil, 0, err
	}
	if nestingExceeds(body, maxNesting) {
		s.skipped(fmt.Sprintf("message nests deeper than %d levels", maxNesting))
		s.rejectUndecodable(body, fmt.Sprintf("keyguard: message nests deeper than %d levels", maxNesting))
		return nil, 0, errSkip
	}
	msg, err := decodeMessage(body)
	if err != nil {
		s.skipped("undecodable message: " + err.Error())
		return nil, 0, errSkip
	}
	return msg, length, nil
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

// decodeMessage is jsonrpc2.DecodeMessage after a strict check of the
// envelope: jsonrpc2's decoder accepts trailing garbage and ids it cannot
// represent (it keeps numbers as int32), which fail later in surprising
// places.
func decodeMessage(body []byte) (jsonrpc2.Message, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var env struct {
		Method *json.RawMessage `json:"method"`
		ID     *json.RawMessage `json:"id"`
	}
	// segmentio's decoder (jsonrpc2's own) validates the whole body,
	// trailing bytes included, at ~1 GB/s, which matters for a didChange
	// carrying a 50,000-line document.
	if err := sjson.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if env.Method != nil {
		var m string
		if err := json.Unmarshal(*env.Method, &m); err != nil {
			return nil, errors.New("method is not a string")
		}
	}
	if env.ID != nil {
		id := bytes.TrimSpace(*env.ID)
		switch {
		case len(id) > 0 && id[0] == '"':
			var str string
			if err := json.Unmarshal(id, &str); err != nil {
				return nil, errors.New("bad string id")
			}
		default:
			if _, err := strconv.ParseInt(string(id), 10, 32); err != nil {
				return nil, errors.New("id is neither a string nor a 32-bit integer")
			}
		}
	}
	return jsonrpc2.DecodeMessage(body)
}

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
