package keychain

import (
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeBackend mimics go-keyring in memory: strings in, strings out,
// keyring.ErrNotFound for a missing item on Get and Delete. Hooks let a test
// block, fail or panic a call.
type fakeBackend struct {
	mu    sync.Mutex
	items map[[2]string]string

	// hook, if set, runs at the start of every call; a non-nil error is
	// returned instead of doing the call.
	hook func(op string) error

	inFlight, maxInFlight int
	calls                 map[string]int
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{items: map[[2]string]string{}, calls: map[string]int{}}
}

func (f *fakeBackend) enter(op string) func() {
	f.mu.Lock()
	f.calls[op]++
	f.inFlight++
	if f.inFlight > f.maxInFlight {
		f.maxInFlight = f.inFlight
	}
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}
}

func (f *fakeBackend) runHook(op string) error {
	f.mu.Lock()
	h := f.hook
	f.mu.Unlock()
	if h != nil {
		return h(op)
	}
	return nil
}

func (f *fakeBackend) setHook(h func(op string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = h
}

func (f *fakeBackend) stats() (calls map[string]int, maxInFlight int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := map[string]int{}
	for k, v := range f.calls {
		c[k] = v
	}
	return c, f.maxInFlight
}

func (f *fakeBackend) raw(service, user string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[[2]string{service, user}]
	return v, ok
}

func (f *fakeBackend) Get(service, user string) (string, error) {
	defer f.enter(opGet)()
	if err := f.runHook(opGet); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[[2]string{service, user}]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeBackend) Set(service, user, password string) error {
	defer f.enter(opSet)()
	if err := f.runHook(opSet); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[[2]string{service, user}] = password
	return nil
}

func (f *fakeBackend) Delete(service, user string) error {
	defer f.enter(opDelete)()
	if err := f.runHook(opDelete); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.items[[2]string{service, user}]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, [2]string{service, user})
	return nil
}

// gate is a hook that blocks calls until released, like go-keyring behind
// an unlock prompt nobody answers.
type gate struct {
	entered chan string
	release chan struct{}
	once    sync.Once
}

func newGate() *gate {
	return &gate{entered: make(chan string, 100), release: make(chan struct{})}
}

func (g *gate) hook(op string) error {
	g.entered <- op
	<-g.release
	return nil
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

// waitEntered waits for a blocked call to reach the backend.
func (g *gate) waitEntered(timeout time.Duration) (string, bool) {
	select {
	case op := <-g.entered:
		return op, true
	case <-time.After(timeout):
		return "", false
	}
}
