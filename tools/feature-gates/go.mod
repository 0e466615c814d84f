module rke-harden/tools/feature-gates

go 1.22
