// Command idle stands in for a Kubernetes component in the differential test's node layouts
// (test/support/namespace-layout.ts): started through a symbolic link named like the component
// (kube-apiserver, etcd, kubelet, ...) with the component's real argv, it ignores its arguments and
// waits until it is signalled, so that `ps -C <component>` and /proc/<pid>/cmdline show the process.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	<-c
}
