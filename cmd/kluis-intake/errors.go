package main

import (
	"errors"

	"kluis/intake"
	"kluis/sync/bundle"
	"kluis/sync/index"
	"kluis/sync/request"
)

// failure is an error with what it concerns, already translated.
type failure struct {
	what string
	err  error
}

func (f *failure) Error() string { return f.what + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func (c *cli) about(err error, key string, data map[string]any) error {
	if err == nil {
		return nil
	}
	return &failure{what: c.cat.T(key, data), err: err}
}

var sentinels = []struct {
	err error
	key string
}{
	{intake.ErrInUse, "intake.error.in_use"},
	{intake.ErrOtherOrganisation, "intake.error.other_organisation"},
	{intake.ErrDamaged, "intake.error.damaged"},
	{intake.ErrNotFound, "intake.error.not_found"},
	{intake.ErrRevoked, "intake.error.revoked"},
	{intake.ErrPurged, "intake.error.purged"},
	{intake.ErrReplayConflict, "intake.error.replay_conflict"},
	{intake.ErrNotIssuer, "intake.error.not_issuer"},
	{intake.ErrUnknownRequest, "intake.error.unknown_request"},
	{intake.ErrAlreadyAnswered, "intake.error.already_answered"},
	{intake.ErrNotOurRequest, "intake.error.not_our_request"},
	{intake.ErrNotOurIndex, "intake.index.error.not_ours"},
	{intake.ErrIndexConflict, "intake.index.error.conflict"},
	{intake.ErrNoIndex, "intake.index.error.none"},
	{intake.ErrWhichIndex, "intake.index.error.which"},
	{bundle.ErrWrongPassphrase, "intake.error.wrong_passphrase"},
	{bundle.ErrKDFParameters, "intake.error.kdf_parameters"},
	{bundle.ErrNotIdentity, "intake.error.not_identity"},
}

// describe says what failed and why, in one line.
func (c *cli) describe(err error) string {
	var f *failure
	if errors.As(err, &f) {
		return f.what + ": " + c.describe(f.err)
	}
	var p *problem
	if errors.As(err, &p) {
		return p.msg
	}
	var be *bundle.Error
	if errors.As(err, &be) {
		msg := c.cat.T("error.bundle."+string(be.Code), nil)
		if be.Detail != "" {
			msg += " (" + be.Detail + ")"
		}
		return msg
	}
	var re *request.Error
	if errors.As(err, &re) {
		msg := c.cat.T("error.request."+string(re.Code), nil)
		if re.Detail != "" {
			msg += " (" + re.Detail + ")"
		}
		return msg
	}
	var ie *index.Error
	if errors.As(err, &ie) {
		msg := c.cat.T("error.index."+string(ie.Code), nil)
		if ie.Detail != "" {
			msg += " (" + ie.Detail + ")"
		}
		return msg
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return c.cat.T(s.key, nil)
		}
	}
	return c.cat.Error(err)
}
