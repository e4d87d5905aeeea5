module cairn.dev/tests/go_kv

go 1.19
