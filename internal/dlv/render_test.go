package dlv

import (
	"reflect"
	"testing"

	"github.com/go-delve/delve/service/api"
	"github.com/stretchr/testify/require"
)

func TestFormatValue(t *testing.T) {
	i64 := func(s string) api.Variable { return api.Variable{Kind: reflect.Int64, Type: "int64", Value: s} }
	str := func(s string, n int64) api.Variable { return api.Variable{Kind: reflect.String, Value: s, Len: n} }
	cases := []struct {
		want string
		v    api.Variable
	}{
		{"42", i64("42")},
		{"true", api.Variable{Kind: reflect.Bool, Value: "true"}},
		{`"a\"b"`, str(`a"b`, 3)},
		{`"abc"...+297`, str("abc", 300)},
		{"[4 5 7]", api.Variable{Kind: reflect.Slice, Len: 3, Children: []api.Variable{i64("4"), i64("5"), i64("7")}}},
		{"[]", api.Variable{Kind: reflect.Slice}},
		{"[1 2 ...+98]", api.Variable{Kind: reflect.Slice, Len: 100, Children: []api.Variable{i64("1"), i64("2")}}},
		{"[...+3]", api.Variable{Kind: reflect.Array, Len: 3}},
		{`map["a":1]`, api.Variable{Kind: reflect.Map, Len: 1, Children: []api.Variable{str("a", 1), i64("1")}}},
		{`{X:1 S:"s"}`, api.Variable{Kind: reflect.Struct, Len: 2, Children: []api.Variable{
			func() api.Variable { v := i64("1"); v.Name = "X"; return v }(),
			func() api.Variable { v := str("s", 1); v.Name = "S"; return v }(),
		}}},
		{"{...+2}", api.Variable{Kind: reflect.Struct, Len: 2}},
		{"&{X:1}", api.Variable{Kind: reflect.Ptr, Type: "*T", Children: []api.Variable{
			{Kind: reflect.Struct, Addr: 0xc000010000, Len: 1, Children: []api.Variable{func() api.Variable { v := i64("1"); v.Name = "X"; return v }()}},
		}}},
		{"nil", api.Variable{Kind: reflect.Ptr, Type: "*T", Children: []api.Variable{{Kind: reflect.Struct, Addr: 0}}}},
		{"(*T)(0xc000010000)", api.Variable{Kind: reflect.Ptr, Type: "*T", Children: []api.Variable{{Addr: 0xc000010000, OnlyAddr: true}}}},
		{"nil", api.Variable{Kind: reflect.Interface, Type: "error", Children: []api.Variable{{Kind: reflect.Invalid}}}},
		{"7", api.Variable{Kind: reflect.Interface, Type: "any", Addr: 1, Children: []api.Variable{i64("7")}}},
		{"main.f", api.Variable{Kind: reflect.Func, Value: "main.f"}},
		{"chan int 0/4", api.Variable{Kind: reflect.Chan, Type: "chan int", Children: []api.Variable{i64("0"), i64("4")}}},
		{"<unreadable: bad addr>", api.Variable{Kind: reflect.Int, Unreadable: "bad addr"}},
	}
	for _, c := range cases {
		require.Equal(t, c.want, formatValue(&c.v))
	}
}

func TestShortFuncName(t *testing.T) {
	require.Equal(t, "target.step", shortFuncName("github.com/a/b/target.step"))
	require.Equal(t, "pkg.(*T).m", shortFuncName("github.com/a/pkg.(*T).m"))
	require.Equal(t, "pkg.F[go.shape.int]", shortFuncName("example.com/x/pkg.F[go.shape.int]"))
	require.Equal(t, "main.main", shortFuncName("main.main"))
}
