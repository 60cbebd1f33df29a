//go:build unix

package stack

import (
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
)

// reservedPort is a TCP port on 127.0.0.1 bound but not listening: it is ours (no one
// else gets it, BASE_URL can name it), yet a connection to it is refused until listen.
// That is how the web side stays closed until the stack is ready.
type reservedPort struct {
	mu   sync.Mutex
	fd   int // -1 once listening or closed
	port int
}

func reservePort(port int) (*reservedPort, error) {
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	// As net.Listen does: a port left in TIME_WAIT by the last run can be bound again.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("setsockopt: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind 127.0.0.1:%d: %w", port, err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("getsockname: %w", err)
	}
	return &reservedPort{fd: fd, port: sa.(*syscall.SockaddrInet4).Port}, nil
}

// listen starts accepting connections on the port.
func (p *reservedPort) listen() (net.Listener, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd < 0 {
		return nil, fmt.Errorf("port %d: already closed", p.port)
	}
	fd := p.fd
	p.fd = -1
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("listen on port %d: %w", p.port, err)
	}
	f := os.NewFile(uintptr(fd), "web")
	defer f.Close() // FileListener keeps a duplicate
	return net.FileListener(f)
}

// close gives the port up if it never listened.
func (p *reservedPort) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd >= 0 {
		syscall.Close(p.fd)
		p.fd = -1
	}
}
