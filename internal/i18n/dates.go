package i18n

import "time"

// LastDay is the last day an end time still covers, in the computer's
// time zone: the day to show for "until". Kluis's end times are
// exclusive — a share's not_after, a grant's valid_until, a receipt's
// kept_until: what they allow stops at that moment — so an end at midnight
// covers the day before it and nothing of the day it names. A grant "tot en
// met 4 december" ends at 5 December 00:00 and is shown as 4 December; an
// end at 23:59:59 or at 10:00 is shown as its own day.
func LastDay(end time.Time) time.Time { return end.Add(-time.Nanosecond).Local() }

// AtMidnight reports whether t is midnight in the computer's time zone: an
// end there is a whole day, better shown as LastDay than with a time of
// 00:00 on the day after.
func AtMidnight(t time.Time) bool {
	h, m, s := t.Local().Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

// EndOfDay is the last second of the day of d in loc, 23:59:59, whatever
// the length of that day: a day on which the clocks change has 23 or 25
// hours, so adding 24 hours to its midnight would land in another day.
func EndOfDay(d time.Time, loc *time.Location) time.Time {
	d = d.In(loc)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
}
