package dovecot

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CPU is the CPU time (user and system) the server's processes have used
// since it started: the master's, its live children's (imap, imap-login,
// auth...) and that of the children it has reaped, each imap and
// imap-login process that served a connection and exited. The difference
// between two readings is the server's share of what happened between
// them, whatever else runs on the machine; read it once the clients of
// interest have logged out and their processes have had a moment to
// exit. Zero where there is no /proc.
func (s *Server) CPU() time.Duration {
	master := s.cmd.Process.Pid
	ticks := procTicks(master)
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == master {
			continue
		}
		if ppid, ok := procParent(pid); ok && ppid == master {
			ticks += procTicks(pid)
		}
	}
	// USER_HZ is 100 on every Linux architecture Go supports.
	return time.Duration(ticks) * 10 * time.Millisecond
}

// procStat returns the fields of /proc/PID/stat after the command name
// (the first is the state, field 3 of proc(5)).
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

func procParent(pid int) (int, bool) {
	f := procStat(pid)
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// procTicks is a process's user and system time and its reaped
// children's, in clock ticks.
func procTicks(pid int) int64 {
	f := procStat(pid)
	if len(f) < 15 {
		return 0
	}
	var n int64
	// utime, stime, cutime and cstime: fields 14 to 17
	for _, v := range f[11:15] {
		x, _ := strconv.ParseInt(v, 10, 64)
		n += x
	}
	return n
}
