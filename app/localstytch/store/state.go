// Package store is the local API's memory: organizations, members,
// sessions, intermediate sessions, magic-link and identity-provider callback
// tokens, and MFA state, kept under token hashes (never a raw bearer token),
// persisted as one JSON document, and bounded (bounds.go: hard caps that
// evict the oldest record, and Sweep). Every record enters through the add
// helpers (AddSession, AddMagicToken, NewIST), which queue it for eviction.
//
// A State is not safe for concurrent use: its owner (the local API server)
// holds one lock around every call.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The records below are the local API's own model. Their fields are exported
// for encoding/json (persistence) and for the server; they are never sent on
// the wire as they are (the server encodes answers with package wire).

type Org struct {
	ID                   string
	Seq                  int64 // creation order, for stable listings
	Name                 string
	Slug                 string
	LogoURL              string
	EmailAllowedDomains  []string
	EmailJITProvisioning string
	MFAPolicy            string
	AllowedMFAMethods    []string // non-empty = mfa_methods RESTRICTED to these
	ExternalID           string
	TrustedMetadata      map[string]any
	Auth                 OrgAuth // authentication methods, SSO, OAuth tenants (records.go)
	CreatedAt, UpdatedAt time.Time
}

// Member is a member of one organization.
type Member struct {
	ID, OrgID, Email, EmailID, Name, Status string
	EmailVerified, IsAdmin                  bool
	CreatedAt, UpdatedAt                    time.Time
	MFA                                     *MemberMFA `json:",omitempty"` // records.go
}

// Session is a member session, stored under its token's hash.
type Session struct {
	ID                         string
	TokenHash                  TokenHash // never the raw session token
	MemberID, OrgID            string
	Email, EmailID             string
	StartedAt, LastAccessedAt  time.Time
	ExpiresAt, AuthenticatedAt time.Time
	CustomClaims               map[string]any
	IPAddress, UserAgent       string
	Factors                    []MFAFactor  `json:",omitempty"` // beyond the primary email factor (MFA)
	Primary                    []AuthFactor `json:",omitempty"` // primary factors (SSO, OAuth, magic link); nil in older records: the email magic link
}

// MagicToken is an email magic link, stored under its token's hash.
type MagicToken struct {
	Kind          string
	Email         string
	OrgID         string // multi_tenant only
	MemberID      string // multi_tenant only
	PKCEChallenge string
	RedirectURL   string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	Used          bool
}

// IST is an intermediate session, stored under its token's hash.
type IST struct {
	Email, EmailID  string
	OrgID           string // set when the IST stands for an unfinished MFA step in one org
	AuthenticatedAt time.Time
	ExpiresAt       time.Time
	Used            bool
	Primary         []AuthFactor `json:",omitempty"` // primary factors; nil in older records: the email magic link
}

// Factors returns the IST's primary authentication factors.
func (i *IST) Factors() []AuthFactor {
	return FactorsOr(i.Primary, i.Email, i.EmailID, i.AuthenticatedAt)
}

// State is everything the local API remembers that must survive a restart;
// it is persisted as one JSON document when Options.StatePath is set.
//
// It holds no raw bearer token: sessions, ISTs and magic-link tokens are
// stored under their TokenHash (see tokenhash.go), and the outbox — whose
// links necessarily embed magic-link tokens — lives on the server, in memory
// only. Session JWTs are never stored; they are signed on demand. The RSA
// signing key is stored: it is the server's own key, not a user's secret.
type State struct {
	Version     int
	OrgSeq      int64
	Orgs        map[string]*Org
	Members     map[string]*Member
	Sessions    map[string]*Session       // by member_session_id
	MagicTokens map[TokenHash]*MagicToken // by hash of the token
	ISTs        map[TokenHash]*IST        // by hash of the token
	EmailIDs    map[string]string         // email -> email-test-<uuid>, for discovery factors
	IdPTokens   map[TokenHash]*IdPToken   // sso / oauth / discovery_oauth callback tokens, by hash
	SigningKey  []byte                    // PKCS#8 DER
	KeyID       string
	MFA         *MFAState `json:",omitempty"` // SMS codes, TOTP registrations (records.go)

	// Indexes rebuilt after load; not persisted.
	SessionByToken map[TokenHash]*Session `json:"-"` // index of Sessions by token hash
	memberByKey    map[string]*Member     // orgID + "\x00" + email

	// Insertion order of the token stores, so the hard caps evict the
	// oldest record in O(1) (see bounds.go); rebuilt after load.
	magicOrder   fifo[TokenHash]
	istOrder     fifo[TokenHash]
	sessionOrder fifo[string]

	// issued maps a session id to its raw token, in memory only, so that a
	// JWT-only sessions.authenticate can answer with the session_token as
	// Stytch does. After a restart only the hash remains (then "" is sent).
	// Entries leave with their session (deleteSession).
	Issued map[string]string `json:"-"`
}

// stateVersion 2 stores token hashes instead of raw tokens and no outbox.
// Version 1 files (raw tokens as map keys / Session.Token, plus Messages) are
// migrated on load by hashing the tokens and dropping the outbox; the next
// Save (New saves right after loading) replaces the old file, so the raw
// tokens do not outlive the first start of the new version.
const (
	stateVersion       = 2
	stateVersionLegacy = 1
)

// New returns an empty state.
func New() *State {
	st := &State{
		Version:     stateVersion,
		Orgs:        map[string]*Org{},
		Members:     map[string]*Member{},
		Sessions:    map[string]*Session{},
		MagicTokens: map[TokenHash]*MagicToken{},
		ISTs:        map[TokenHash]*IST{},
		EmailIDs:    map[string]string{},
		IdPTokens:   map[TokenHash]*IdPToken{},
	}
	st.reindex()
	return st
}

func (st *State) reindex() {
	st.SessionByToken = make(map[TokenHash]*Session, len(st.Sessions))
	for _, s := range st.Sessions {
		st.SessionByToken[s.TokenHash] = s
	}
	if st.Issued == nil {
		st.Issued = map[string]string{}
	}
	st.rebuildOrders()
	st.memberByKey = make(map[string]*Member, len(st.Members))
	for _, m := range st.Members {
		st.memberByKey[memberKey(m.OrgID, m.Email)] = m
	}
}

func memberKey(orgID, email string) string { return orgID + "\x00" + email }

// Load reads a persisted state file. A missing file is not an error
// (first run); a corrupt file is, so a user's sessions are never silently
// thrown away.
func Load(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load emulator state: %w", err)
	}
	st := New()
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("load emulator state %s: %w", path, err)
	}
	switch st.Version {
	case stateVersion:
	case stateVersionLegacy:
		if err := st.migrateV1(b); err != nil {
			return nil, fmt.Errorf("load emulator state %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("load emulator state %s: unsupported version %d", path, st.Version)
	}
	// Maps may be null in a hand-edited file.
	if st.Orgs == nil {
		st.Orgs = map[string]*Org{}
	}
	if st.Members == nil {
		st.Members = map[string]*Member{}
	}
	if st.Sessions == nil {
		st.Sessions = map[string]*Session{}
	}
	if st.MagicTokens == nil {
		st.MagicTokens = map[TokenHash]*MagicToken{}
	}
	if st.ISTs == nil {
		st.ISTs = map[TokenHash]*IST{}
	}
	if st.EmailIDs == nil {
		st.EmailIDs = map[string]string{}
	}
	if st.IdPTokens == nil {
		st.IdPTokens = map[TokenHash]*IdPToken{}
	}
	st.reindex()
	return st, nil
}

// migrateV1 converts a version-1 document (already decoded into st) in
// place: version 1 keyed MagicTokens and ISTs by the raw token and kept the
// raw session token in Sessions[].Token, a field the current record no longer
// has, so it is read from the original bytes. The v1 outbox (Messages) is
// simply not decoded. Callers reindex afterwards.
func (st *State) migrateV1(raw []byte) error {
	var legacy struct {
		Sessions map[string]struct{ Token string }
	}
	if err := json.Unmarshal(raw, &legacy); err != nil {
		return fmt.Errorf("migrate version 1: %w", err)
	}
	for id, s := range st.Sessions {
		tok := legacy.Sessions[id].Token
		if tok == "" {
			// Unreachable by token anyway; without one it cannot be trusted.
			delete(st.Sessions, id)
			continue
		}
		s.TokenHash = HashToken(tok)
	}
	magic := make(map[TokenHash]*MagicToken, len(st.MagicTokens))
	for raw, t := range st.MagicTokens {
		magic[HashToken(string(raw))] = t
	}
	ists := make(map[TokenHash]*IST, len(st.ISTs))
	for raw, i := range st.ISTs {
		ists[HashToken(string(raw))] = i
	}
	st.MagicTokens, st.ISTs, st.Version = magic, ists, stateVersion
	return nil
}

// Save writes the state atomically; see WriteFileAtomic.
func (st *State) Save(path string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	return WriteFileAtomic(path, b)
}

// WriteFileAtomic writes b to path atomically (temp file + fsync + rename)
// with 0600 permissions set before any byte is written: the file holds the
// signing key (tokens only as hashes). The fsync matters because a torn or
// empty file is refused at the next start (see Load) rather than
// silently reset.
func WriteFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".stytch-emulator-state-*")
	if err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save emulator state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save emulator state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save emulator state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	return nil
}

// --- queries ---

func (st *State) OrgByIDOrSlug(idOrSlug string) *Org {
	if o, ok := st.Orgs[idOrSlug]; ok {
		return o
	}
	for _, o := range st.Orgs {
		if strings.EqualFold(o.Slug, idOrSlug) || (o.ExternalID != "" && o.ExternalID == idOrSlug) {
			return o
		}
	}
	return nil
}

// SlugTaken reports whether an organization uses slug (any case).
func (st *State) SlugTaken(slug string) bool {
	for _, o := range st.Orgs {
		if strings.EqualFold(o.Slug, slug) {
			return true
		}
	}
	return false
}

// OrgsInOrder lists the organizations in creation order.
func (st *State) OrgsInOrder() []*Org {
	out := make([]*Org, 0, len(st.Orgs))
	for _, o := range st.Orgs {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// MemberOf finds the member of an organization with an email address.
func (st *State) MemberOf(orgID, email string) *Member {
	return st.memberByKey[memberKey(orgID, email)]
}

// EmailID is the stable email id of an address (for discovery factors).
func (st *State) EmailID(email string) string {
	id, ok := st.EmailIDs[email]
	if !ok {
		id = NewID("email")
		st.EmailIDs[email] = id
	}
	return id
}

// --- mutations ---

func (st *State) AddOrg(o *Org) {
	st.OrgSeq++
	o.Seq = st.OrgSeq
	st.Orgs[o.ID] = o
}

// AddMember stores a new member and indexes it.
func (st *State) AddMember(m *Member) {
	st.Members[m.ID] = m
	st.memberByKey[memberKey(m.OrgID, m.Email)] = m
}

// AddSession stores a new session, indexes and queues it (the cap may evict the oldest).
func (st *State) AddSession(s *Session) {
	st.Sessions[s.ID] = s
	st.SessionByToken[s.TokenHash] = s
	st.sessionOrder.push(s.ID)
	st.enforceSessionCap()
}

// DeleteSession forgets a session, its index entry and its raw token.
func (st *State) DeleteSession(s *Session) {
	delete(st.Sessions, s.ID)
	delete(st.SessionByToken, s.TokenHash)
	delete(st.Issued, s.ID)
}

// AddMagicToken stores a magic-link token record under its hash.
func (st *State) AddMagicToken(h TokenHash, t *MagicToken) {
	st.MagicTokens[h] = t
	st.magicOrder.push(h)
	st.enforceMagicCap()
}

// ConsumeIST marks an intermediate session used and drops it (a used IST
// is never valid again, so there is nothing to keep).
func (st *State) ConsumeIST(token string, i *IST) {
	i.Used = true
	delete(st.ISTs, HashToken(token))
}

// NewIST stores a new intermediate session and returns its raw token (the
// store keeps only the hash). Every IST is made here, so the insertion-order
// queue that the cap evicts from holds all of them.
func (st *State) NewIST(i *IST) string {
	token := NewToken()
	st.AddIST(HashToken(token), i)
	return token
}

// AddIST stores an intermediate session under its token's hash.
func (st *State) AddIST(h TokenHash, i *IST) {
	st.ISTs[h] = i
	st.istOrder.push(h)
	st.enforceISTCap()
}
