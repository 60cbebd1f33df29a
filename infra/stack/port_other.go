//go:build !unix

package stack

import (
	"fmt"
	"net"
	"strconv"
)

// reservedPort is a port on 127.0.0.1 kept for the web side. Without a way to bind
// without listening, the port is found free and given back until listen: another
// process could take it in between, and listen then fails.
type reservedPort struct{ port int }

func reservePort(port int) (*reservedPort, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	return &reservedPort{port: ln.Addr().(*net.TCPAddr).Port}, nil
}

func (p *reservedPort) listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)))
	if err != nil {
		return nil, fmt.Errorf("listen on port %d: %w", p.port, err)
	}
	return ln, nil
}

func (p *reservedPort) close() {}
