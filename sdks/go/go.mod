module github.com/example/example-go

go 1.19
