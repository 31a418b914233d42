package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is Linux's USER_HZ, the unit of /proc/<pid>/stat's times.
const clockTick = 10 * time.Millisecond

// procCPU is the user and system CPU a process has used so far, from
// /proc/<pid>/stat; 0 when it cannot be read.
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields after its closing one. utime and stime are fields 14, 15.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}

// serverPID is the MySQL server's process: -mysql-pid, else the first
// mariadbd or mysqld running.
func (b *bench) serverPID() int {
	if b.mysqlPID > 0 {
		return b.mysqlPID
	}
	return findProcess("mariadbd", "mysqld")
}

// findProcess returns the pid of a running process named name (its comm),
// or 0: the local MariaDB server, whose CPU a run on MariaDB shares.
func findProcess(names ...string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		for _, n := range names {
			if strings.TrimSpace(string(comm)) == n {
				return pid
			}
		}
	}
	return 0
}

// selfCPU is the CPU this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter reads the CPU of some processes before and after a stretch.
type cpuMeter struct {
	pids   []int
	before []time.Duration
	self   time.Duration
}

func startCPU(pids ...int) *cpuMeter {
	m := &cpuMeter{pids: pids, self: selfCPU()}
	for _, p := range pids {
		m.before = append(m.before, procCPU(p))
	}
	return m
}

// stop returns the CPU each process used since start, then this process's.
func (m *cpuMeter) stop() (procs []time.Duration, self time.Duration) {
	for i, p := range m.pids {
		procs = append(procs, procCPU(p)-m.before[i])
	}
	return procs, selfCPU() - m.self
}
