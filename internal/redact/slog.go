package redact

import (
	"context"
	"log/slog"
)

// Handler returns a slog.Handler that passes each record to next with
// secrets and URL userinfo removed from its message and from its attributes'
// string values, error values and []string values (in groups too). A record
// with nothing to remove is passed on as it is. Other values (structs, maps)
// are passed on untouched: log those as strings when they may hold a secret.
func (r *Redactor) Handler(next slog.Handler) slog.Handler { return &handler{next: next, r: r} }

type handler struct {
	next slog.Handler
	r    *Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	dirty := h.dirtyString(rec.Message)
	if !dirty {
		rec.Attrs(func(a slog.Attr) bool {
			dirty = h.dirty(a.Value)
			return !dirty
		})
	}
	if !dirty {
		return h.next.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Text(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(clean), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), r: h.r}
}

func (h *handler) dirtyString(s string) bool {
	return h.r.Contains(s) || len(Userinfo(s)) != len(s)
}

func (h *handler) dirty(v slog.Value) bool {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return h.dirtyString(v.String())
	case slog.KindGroup:
		for _, a := range v.Group() {
			if h.dirty(a.Value) {
				return true
			}
		}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return h.dirtyString(x.Error())
		case []string:
			for _, s := range x {
				if h.dirtyString(s) {
					return true
				}
			}
		}
	}
	return false
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Text(v.String()))
	case slog.KindGroup:
		g := v.Group()
		c := make([]slog.Attr, len(g))
		for i, ga := range g {
			c[i] = h.attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(c...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			if h.dirtyString(x.Error()) {
				return slog.String(a.Key, h.r.Text(x.Error()))
			}
		case []string:
			c := make([]string, len(x))
			for i, s := range x {
				c[i] = h.r.Text(s)
			}
			return slog.Any(a.Key, c)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
