//go:build unix && !linux

package stack

import (
	"os/exec"
	"syscall"
)

// Elsewhere the launcher's stdin watch alone ties moto's life to ours.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func startProcess(cmd *exec.Cmd, exited <-chan struct{}) error { return cmd.Start() }

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, sig)
	}
}
