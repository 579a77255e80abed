package localstytch

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

// Token kinds double as the stytch_token_type put on the redirect URL.
const (
	kindDiscovery   = "discovery"
	kindMultiTenant = "multi_tenant_magic_links"
)

// Member statuses as Stytch names them.
const (
	statusActive  = "active"
	statusInvited = "invited"
	statusPending = "pending"
)

// Organization policy values.
const (
	mfaRequiredForAll = "REQUIRED_FOR_ALL"
	mfaOptional       = "OPTIONAL"
	jitRestricted     = "RESTRICTED"
	jitNotAllowed     = "NOT_ALLOWED"
	allAllowed        = "ALL_ALLOWED"
)

// The records below are the emulator's own model. Their exported fields exist
// only so encoding/json can persist them; they are never sent on the wire
// (wire.go builds responses).

type orgRecord struct {
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
	Auth                 orgAuth // authentication methods, SSO, OAuth tenants (authpolicy.go)
	CreatedAt, UpdatedAt time.Time
}

type memberRecord struct {
	ID, OrgID, Email, EmailID, Name, Status string
	EmailVerified, IsAdmin                  bool
	CreatedAt, UpdatedAt                    time.Time
	MFA                                     *memberMFA `json:",omitempty"` // mfa_store.go
}

type sessionRecord struct {
	ID                         string
	TokenHash                  tokenHash // never the raw session token
	MemberID, OrgID            string
	Email, EmailID             string
	StartedAt, LastAccessedAt  time.Time
	ExpiresAt, AuthenticatedAt time.Time
	CustomClaims               map[string]any
	IPAddress, UserAgent       string
	Factors                    []factorRecord `json:",omitempty"` // beyond the primary email factor (MFA)
	Primary                    []authFactor   `json:",omitempty"` // primary factors (SSO, OAuth, magic link); nil in older records: the email magic link
}

type magicTokenRecord struct {
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

type istRecord struct {
	Email, EmailID  string
	OrgID           string // set when the IST stands for an unfinished MFA step in one org
	AuthenticatedAt time.Time
	ExpiresAt       time.Time
	Used            bool
	Primary         []authFactor `json:",omitempty"` // primary factors; nil in older records: the email magic link
}

// factors returns the IST's primary authentication factors.
func (i *istRecord) factors() []authFactor {
	return factorsOr(i.Primary, i.Email, i.EmailID, i.AuthenticatedAt)
}

// state is everything the emulator remembers that must survive a restart;
// it is persisted as one JSON document when Options.StatePath is set.
//
// It holds no raw bearer token: sessions, ISTs and magic-link tokens are
// stored under their tokenHash (see tokenhash.go), and the outbox — whose
// links necessarily embed magic-link tokens — lives on Server, in memory
// only. Session JWTs are never stored; they are signed on demand. The RSA
// signing key is stored: it is the server's own key, not a user's secret.
type state struct {
	Version     int
	OrgSeq      int64
	Orgs        map[string]*orgRecord
	Members     map[string]*memberRecord
	Sessions    map[string]*sessionRecord       // by member_session_id
	MagicTokens map[tokenHash]*magicTokenRecord // by hash of the token
	ISTs        map[tokenHash]*istRecord        // by hash of the token
	EmailIDs    map[string]string               // email -> email-test-<uuid>, for discovery factors
	IdPTokens   map[tokenHash]*idpTokenRecord   // sso / oauth / discovery_oauth callback tokens, by hash
	SigningKey  []byte                          // PKCS#8 DER
	KeyID       string
	MFA         *mfaState `json:",omitempty"` // SMS codes, TOTP registrations (mfa_store.go)

	// Indexes rebuilt after load; not persisted.
	sessionByToken map[tokenHash]*sessionRecord
	memberByKey    map[string]*memberRecord // orgID + "\x00" + email

	// Insertion order of the token stores, so the hard caps evict the
	// oldest record in O(1) (see bounds.go); rebuilt after load.
	magicOrder   fifo[tokenHash]
	istOrder     fifo[tokenHash]
	sessionOrder fifo[string]
	lastSweep    time.Time

	// issued maps a session id to its raw token, in memory only, so that a
	// JWT-only sessions.authenticate can answer with the session_token as
	// Stytch does. After a restart only the hash remains (then "" is sent).
	// Entries leave with their session (deleteSession).
	issued map[string]string
}

// stateVersion 2 stores token hashes instead of raw tokens and no outbox.
// Version 1 files (raw tokens as map keys / Session.Token, plus Messages) are
// migrated on load by hashing the tokens and dropping the outbox; the next
// save (New saves right after loading) replaces the old file, so the raw
// tokens do not outlive the first start of the new version.
const (
	stateVersion       = 2
	stateVersionLegacy = 1
)

func newState() *state {
	st := &state{
		Version:     stateVersion,
		Orgs:        map[string]*orgRecord{},
		Members:     map[string]*memberRecord{},
		Sessions:    map[string]*sessionRecord{},
		MagicTokens: map[tokenHash]*magicTokenRecord{},
		ISTs:        map[tokenHash]*istRecord{},
		EmailIDs:    map[string]string{},
		IdPTokens:   map[tokenHash]*idpTokenRecord{},
	}
	st.reindex()
	return st
}

func (st *state) reindex() {
	st.sessionByToken = make(map[tokenHash]*sessionRecord, len(st.Sessions))
	for _, s := range st.Sessions {
		st.sessionByToken[s.TokenHash] = s
	}
	if st.issued == nil {
		st.issued = map[string]string{}
	}
	st.rebuildOrders()
	st.memberByKey = make(map[string]*memberRecord, len(st.Members))
	for _, m := range st.Members {
		st.memberByKey[memberKey(m.OrgID, m.Email)] = m
	}
}

func memberKey(orgID, email string) string { return orgID + "\x00" + email }

// loadState reads a persisted state file. A missing file is not an error
// (first run); a corrupt file is, so a user's sessions are never silently
// thrown away.
func loadState(path string) (*state, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load emulator state: %w", err)
	}
	st := newState()
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
		st.Orgs = map[string]*orgRecord{}
	}
	if st.Members == nil {
		st.Members = map[string]*memberRecord{}
	}
	if st.Sessions == nil {
		st.Sessions = map[string]*sessionRecord{}
	}
	if st.MagicTokens == nil {
		st.MagicTokens = map[tokenHash]*magicTokenRecord{}
	}
	if st.ISTs == nil {
		st.ISTs = map[tokenHash]*istRecord{}
	}
	if st.EmailIDs == nil {
		st.EmailIDs = map[string]string{}
	}
	if st.IdPTokens == nil {
		st.IdPTokens = map[tokenHash]*idpTokenRecord{}
	}
	st.reindex()
	return st, nil
}

// migrateV1 converts a version-1 document (already decoded into st) in
// place: version 1 keyed MagicTokens and ISTs by the raw token and kept the
// raw session token in Sessions[].Token, a field the current record no longer
// has, so it is read from the original bytes. The v1 outbox (Messages) is
// simply not decoded. Callers reindex afterwards.
func (st *state) migrateV1(raw []byte) error {
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
		s.TokenHash = hashToken(tok)
	}
	magic := make(map[tokenHash]*magicTokenRecord, len(st.MagicTokens))
	for raw, t := range st.MagicTokens {
		magic[hashToken(string(raw))] = t
	}
	ists := make(map[tokenHash]*istRecord, len(st.ISTs))
	for raw, i := range st.ISTs {
		ists[hashToken(string(raw))] = i
	}
	st.MagicTokens, st.ISTs, st.Version = magic, ists, stateVersion
	return nil
}

// save writes the state atomically; see writeFileAtomic.
func (st *state) save(path string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	return writeFileAtomic(path, b)
}

// writeFileAtomic writes b to path atomically (temp file + fsync + rename)
// with 0600 permissions set before any byte is written: the file holds the
// signing key (tokens only as hashes). The fsync matters because a torn or
// empty file is refused at the next start (see loadState) rather than
// silently reset.
func writeFileAtomic(path string, b []byte) error {
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

// --- queries (caller holds Server.mu) ---

func (st *state) orgByIDOrSlug(idOrSlug string) *orgRecord {
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

func (st *state) slugTaken(slug string) bool {
	for _, o := range st.Orgs {
		if strings.EqualFold(o.Slug, slug) {
			return true
		}
	}
	return false
}

func (st *state) orgsInOrder() []*orgRecord {
	out := make([]*orgRecord, 0, len(st.Orgs))
	for _, o := range st.Orgs {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

func (st *state) member(orgID, email string) *memberRecord {
	return st.memberByKey[memberKey(orgID, email)]
}

func (st *state) emailID(email string) string {
	id, ok := st.EmailIDs[email]
	if !ok {
		id = newID("email")
		st.EmailIDs[email] = id
	}
	return id
}

// eligibleByDomain reports whether email may JIT-join org by email domain.
func eligibleByDomain(o *orgRecord, email string) (string, bool) {
	if o.EmailJITProvisioning != jitRestricted {
		return "", false
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", false
	}
	domain := email[at+1:]
	for _, d := range o.EmailAllowedDomains {
		if strings.EqualFold(d, domain) {
			return strings.ToLower(d), true
		}
	}
	return "", false
}

// --- mutations (caller holds Server.mu) ---

func (st *state) addOrg(o *orgRecord) {
	st.OrgSeq++
	o.Seq = st.OrgSeq
	st.Orgs[o.ID] = o
}

func (st *state) addMember(m *memberRecord) {
	st.Members[m.ID] = m
	st.memberByKey[memberKey(m.OrgID, m.Email)] = m
}

func (st *state) addSession(s *sessionRecord) {
	st.Sessions[s.ID] = s
	st.sessionByToken[s.TokenHash] = s
	st.sessionOrder.push(s.ID)
	st.enforceSessionCap()
}

func (st *state) deleteSession(s *sessionRecord) {
	delete(st.Sessions, s.ID)
	delete(st.sessionByToken, s.TokenHash)
	delete(st.issued, s.ID)
}

// addMagicToken stores a magic-link token record under its hash.
func (st *state) addMagicToken(h tokenHash, t *magicTokenRecord) {
	st.MagicTokens[h] = t
	st.magicOrder.push(h)
	st.enforceMagicCap()
}

// consumeIST marks an intermediate session used and drops it (a used IST
// is never valid again, so there is nothing to keep).
func (st *state) consumeIST(token string, i *istRecord) {
	i.Used = true
	delete(st.ISTs, hashToken(token))
}

// newIST stores a new intermediate session and returns its raw token (the
// store keeps only the hash). Every IST is made here, so the insertion-order
// queue that the cap evicts from holds all of them.
func (st *state) newIST(i *istRecord) string {
	token := newOpaqueToken()
	st.addIST(hashToken(token), i)
	return token
}

// addIST stores an intermediate session under its token's hash.
func (st *state) addIST(h tokenHash, i *istRecord) {
	st.ISTs[h] = i
	st.istOrder.push(h)
	st.enforceISTCap()
}
