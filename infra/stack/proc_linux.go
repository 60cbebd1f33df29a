package stack

import (
	"os/exec"
	"runtime"
	"syscall"
)

// sysProcAttr puts moto in its own process group, so a Ctrl-C in the
// terminal reaches only nianbao, which then stops moto in order; and asks the
// kernel to kill moto if nianbao dies without stopping it (the launcher also
// exits when its stdin closes, which covers the same case portably).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// startProcess starts cmd from a thread that stays locked until the process
// exits: Linux sends Pdeathsig when the *thread* that forked the child exits,
// and the Go runtime ends threads whose goroutine exits while locked.
func startProcess(cmd *exec.Cmd, exited <-chan struct{}) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err := cmd.Start()
		errc <- err
		if err == nil {
			<-exited
		}
		runtime.UnlockOSThread()
	}()
	return <-errc
}

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, sig)
	}
}
