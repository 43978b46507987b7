package dlv

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-delve/delve/service/api"
)

// loadConfig bounds what Delve reads for one evaluated expression.
var loadConfig = api.LoadConfig{
	FollowPointers:     true,
	MaxVariableRecurse: 2,
	MaxStringLen:       256,
	MaxArrayValues:     64,
	MaxStructFields:    -1,
}

// formatValue renders a Delve variable compactly on one line, close to
// fmt's %+v: 3, "str", [4 5 7], map[a:1], {X:1 Y:"y"}, &{X:1}, nil.
// Values cut short by loadConfig end in "...+N" (N elements, bytes or
// fields not loaded).
func formatValue(v *api.Variable) string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v *api.Variable) {
	if v.Unreadable != "" {
		fmt.Fprintf(b, "<unreadable: %s>", v.Unreadable)
		return
	}
	switch v.Kind {
	case reflect.Invalid:
		if v.Value != "" {
			b.WriteString(v.Value)
		} else {
			b.WriteString("nil")
		}
	case reflect.String:
		b.WriteString(strconv.Quote(v.Value))
		if more := v.Len - int64(len(v.Value)); more > 0 {
			fmt.Fprintf(b, "...+%d", more)
		}
	case reflect.Complex64, reflect.Complex128:
		if v.Value != "" || len(v.Children) != 2 {
			b.WriteString(v.Value)
		} else {
			fmt.Fprintf(b, "(%s+%si)", v.Children[0].Value, v.Children[1].Value)
		}
	case reflect.Slice, reflect.Array:
		b.WriteByte('[')
		for i := range v.Children {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, &v.Children[i])
		}
		writeMore(b, len(v.Children) > 0, v.Len-int64(len(v.Children)))
		b.WriteByte(']')
	case reflect.Map:
		b.WriteString("map[")
		n := len(v.Children) / 2
		for i := range n {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, &v.Children[2*i])
			b.WriteByte(':')
			writeValue(b, &v.Children[2*i+1])
		}
		writeMore(b, n > 0, v.Len-int64(n))
		b.WriteByte(']')
	case reflect.Struct:
		b.WriteByte('{')
		for i := range v.Children {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(v.Children[i].Name)
			b.WriteByte(':')
			writeValue(b, &v.Children[i])
		}
		writeMore(b, len(v.Children) > 0, v.Len-int64(len(v.Children)))
		b.WriteByte('}')
	case reflect.Ptr:
		switch {
		case len(v.Children) == 0 || v.Children[0].Addr == 0:
			b.WriteString("nil")
		case v.Children[0].OnlyAddr:
			// Not followed (depth limit): show type and address.
			fmt.Fprintf(b, "(%s)(%#x)", v.Type, v.Children[0].Addr)
		default:
			b.WriteByte('&')
			writeValue(b, &v.Children[0])
		}
	case reflect.UnsafePointer:
		if len(v.Children) == 0 {
			b.WriteString("unsafe.Pointer(nil)")
		} else {
			fmt.Fprintf(b, "unsafe.Pointer(%#x)", v.Children[0].Addr)
		}
	case reflect.Interface:
		if len(v.Children) == 0 {
			b.WriteString("nil")
			return
		}
		data := &v.Children[0]
		if data.Kind == reflect.Invalid && data.Addr == 0 && data.Value == "" {
			b.WriteString("nil")
			return
		}
		writeValue(b, data)
	case reflect.Chan:
		if len(v.Children) < 2 {
			b.WriteString("nil")
		} else {
			// queued/capacity, as dlv prints it.
			fmt.Fprintf(b, "%s %s/%s", v.Type, v.Children[0].Value, v.Children[1].Value)
		}
	case reflect.Func:
		if v.Value == "" {
			b.WriteString("nil")
		} else {
			b.WriteString(v.Value)
		}
	default:
		// Bools and numbers: Delve's Value is already the Go literal.
		if v.Value != "" {
			b.WriteString(v.Value)
		} else {
			fmt.Fprintf(b, "<%s>", v.Type)
		}
	}
}

// writeMore notes elements that exist but were not loaded.
func writeMore(b *strings.Builder, sep bool, more int64) {
	if more <= 0 {
		return
	}
	if sep {
		b.WriteByte(' ')
	}
	fmt.Fprintf(b, "...+%d", more)
}
