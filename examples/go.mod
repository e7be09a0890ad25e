module example.com/keyguard-examples

go 1.22
