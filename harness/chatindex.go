package harness

// chatIndex maps chat IDs to a store's or a replica's per-chat state. A
// workload's chats have small IDs (1, 2, ...): those are looked up in a
// list by index, which costs a bounds check where a map lookup costs a
// hash and a probe, at every step that touches a chat; other IDs go to a
// map, made on first use. Its zero value is empty and ready.
type chatIndex[T any] struct {
	small []*T // small[id], for the IDs below smallChatIDs
	other map[int64]*T
	ids   []int64 // the IDs present, in the order they were first set
}

// smallChatIDs bounds the IDs kept in chatIndex.small.
const smallChatIDs = 64

// get returns the value of chat id, nil if there is none.
func (x *chatIndex[T]) get(id int64) *T {
	if uint64(id) < uint64(len(x.small)) {
		return x.small[id]
	}
	if x.other == nil {
		return nil
	}
	return x.other[id]
}

// set makes v the value of chat id.
func (x *chatIndex[T]) set(id int64, v *T) {
	if x.get(id) == nil {
		x.ids = append(x.ids, id)
	}
	if id >= 0 && id < smallChatIDs {
		for int64(len(x.small)) <= id {
			x.small = append(x.small, nil)
		}
		x.small[id] = v
		return
	}
	if x.other == nil {
		x.other = map[int64]*T{}
	}
	x.other[id] = v
}

// reset returns x emptied, in x's memory.
func (x chatIndex[T]) reset() chatIndex[T] {
	clear(x.small)
	clear(x.other)
	return chatIndex[T]{small: x.small[:0], other: x.other, ids: x.ids[:0]}
}
