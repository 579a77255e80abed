package sessionhub

import (
	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/agent"
	"stytch-desktop/app/signin"
)

// Follow returns the sign-in core's session observer (signin.Config's
// Session) that keeps h on the session the core holds: each adopted session
// gets its own Source refreshing through port (the core's own Stytch port,
// so refreshes go where its other calls go), and an ended one clears h.
//
// The Source's OnEnded goes back to the core (AdoptedSession.End): when a
// refresh finds the session gone, the screens say so and the keychain is
// cleared, exactly as when the core's own check finds it. opt.OnEnded, if
// set, runs after that. A transient failure ends nothing: opt.OnTransient
// only hears of it.
func (h *Hub) Follow(port accesstoken.SessionAuthenticatorPort, opt accesstoken.Options) signin.SessionObserver {
	return follower{h: h, port: port, opt: opt}
}

type follower struct {
	h    *Hub
	port accesstoken.SessionAuthenticatorPort
	opt  accesstoken.Options
}

func (f follower) Adopted(s signin.AdoptedSession) {
	opt := f.opt
	also := opt.OnEnded
	opt.OnEnded = func(err error) {
		s.End(err)
		if also != nil {
			also(err)
		}
	}
	src := accesstoken.New(accesstoken.PortRefresher(f.port, s.Token, s.SessionMinutes), s.JWT, opt)
	f.h.Set(agent.Identity{
		MemberID:         s.Member.ID,
		Email:            s.Member.Email,
		OrganizationID:   s.Organization.ID,
		OrganizationName: s.Organization.Name,
		Roles:            src.Current().Roles, // from the JWT, when there is one
	}, src)
}

func (f follower) Ended() { f.h.Clear() }
