package signin

import "context"

// Tests run with the transition table enforced: a screen change that no row
// allows panics instead of being logged.
func init() { strictMoves.Store(true) }

// CheckSessionNow runs the background session check once, now, for the
// current session (what the monitor does on its timer).
func (f *Flows) CheckSessionNow(ctx context.Context) error { return f.checkSession(ctx, 0) }
