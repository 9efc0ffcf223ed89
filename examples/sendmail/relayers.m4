dnl #
dnl # relayers.m4: let sendmail relay for clients that just checked their mail.
dnl #
dnl # mapgen(8) exports the relayers store into a hash map, keyed the way
dnl # sendmail writes ${client_addr}: a dotted quad for IPv4, "IPv6:" plus the
dnl # uncompressed (and also the compressed) form for IPv6; the value is the
dnl # epoch second of the client's last login.
dnl #
dnl # Use, in sendmail.mc, after OSTYPE() and before MAILER():
dnl #
dnl #	define(`RELAYERS_MAP', `/etc/mail/relayers')dnl	(the default)
dnl #	define(`RELAYERS_MAX_AGE', `30')dnl		(optional, minutes)
dnl # or, to ask relayersd(8) at lookup time instead of reading the map:
dnl #	define(`RELAYERS_SOCKETMAP', `local:/run/relayers/socketmap')dnl
dnl #	define(`RELAYERS_SOCKETMAP_TIMEOUT', `5s')dnl	(optional, the default)
dnl #	HACK(`relayers')dnl	after copying this file to _CF_DIR_/hack/
dnl # or
dnl #	include(`/etc/mail/m4/relayers.m4')dnl
dnl #
dnl # What it adds to the .cf:
dnl #  - K relayers: hash map RELAYERS_MAP (the file is RELAYERS_MAP.db), opened
dnl #    with -o (optional).  A missing or unreadable map then reads as "not
dnl #    found": relaying is denied (550) to everyone not allowed otherwise,
dnl #    quietly.  Without -o the SMTP answer is the same 550 (measured with
dnl #    Debian's 8.17.1.9), but sendmail complains "missing map file" and
dnl #    the ruleset ends in a temporary failure (status 75 under -bt).
dnl #  - with RELAYERS_SOCKETMAP instead: K relayers as a socket map, which
dnl #    asks relayersd over RELAYERS_SOCKETMAP (any socket map address:
dnl #    local:/path, unix:/path, inet:PORT@HOST, inet6:PORT@HOST; empty means
dnl #    local:/run/relayers/socketmap) at every lookup, so a login counts at
dnl #    once.  -d RELAYERS_SOCKETMAP_TIMEOUT (a sendmail time, default 5s)
dnl #    bounds each read and write; -T<TMPF> tags a temporary failure (a TEMP
dnl #    reply, a refused connection, a timeout), and the rules then defer
dnl #    with 451 4.3.0 every recipient that sendmail's own rules would not
dnl #    accept anyway (a relay), rather than refusing it for good or letting
dnl #    it through: the client tries again later, nothing is lost.  The
dnl #    socket must not sit below a group- or world-writable directory
dnl #    (sendmail refuses it, which reads as a temporary failure).  A tagged
dnl #    lookup returns the key followed by <TMPF>, not the $: default, so
dnl #    the rule that catches it must come before those that read a value
dnl #    (without RELAYERS_MAX_AGE any value relays).
dnl #  - with RELAYERS_MAX_AGE: K relayers_arith (sendmail's arith class, its own
dnl #    name so it cannot clash with proto.m4's "arith").  An entry relays only
dnl #    if its stamp >= ${time} - 60 * RELAYERS_MAX_AGE; a stamp in the future
dnl #    relays.  A value that is not a number does not relay.  So a map that
dnl #    nobody refreshed can never extend the relay window.  sendmail sets
dnl #    ${time} for the first transaction of an SMTP session only (measured
dnl #    with 8.17.1.9: after RSET or a delivered message it is empty); a
dnl #    recorded client's later transactions, and -bt without .D{time}, so
dnl #    get the 451 above rather than a 550: its next session relays.
dnl #    With RELAYERS_SOCKETMAP, relayersd --max-age applies the window at
dnl #    every lookup instead, with no ${time}: leave RELAYERS_MAX_AGE out
dnl #    there, or an entry must be inside both windows.
dnl #  - rules appended to Local_check_rcpt: "$# OK" for a client found in the
dnl #    map, which accepts the recipient and skips Basic_check_rcpt (and, with
dnl #    FEATURE(delay_checks), the delayed check_mail/check_relay) for it, as
dnl #    sendmail's cf/README describes for Local_check_rcpt.  Any other client
dnl #    falls through with the workspace unchanged, so sendmail's own rules,
dnl #    including Debian's, decide as before.
dnl #
dnl # Other hacks: sendmail appends rules when a ruleset is declared twice, so
dnl # this file can share Local_check_rcpt with another hack (spamtrap.m4, for
dnl # one) as long as that hack also leaves the workspace as it found it.
dnl # sendmail -bt then prints "WARNING: Ruleset Local_check_rcpt has multiple
dnl # definitions"; that is expected.  A hack that ends Local_check_rcpt with
dnl # its own verdict for every address ($# or $@ on R$*) must come after this one.
dnl #
divert(0)dnl
VERSIONID(`relayers.m4 1.0.0: POP-before-SMTP relaying from the relayers map')dnl
ifdef(`RELAYERS_MAP', `', `define(`RELAYERS_MAP', `/etc/mail/relayers')')dnl
ifdef(`RELAYERS_MAX_AGE',
	`ifelse(regexp(RELAYERS_MAX_AGE, `^[0-9]+$'), `0', `',
		`errprint(`*** ERROR: RELAYERS_MAX_AGE must be a number of minutes
')m4exit(1)')')dnl
ifdef(`RELAYERS_SOCKETMAP', `dnl
ifelse(RELAYERS_SOCKETMAP, `',
	`define(`RELAYERS_SOCKETMAP', `local:/run/relayers/socketmap')')dnl
ifelse(regexp(RELAYERS_SOCKETMAP, `^\(\(local\|unix\):/[^ 	]+\|inet6?:[0-9]+@[^ 	]+\)$'), `0', `',
	`errprint(`*** ERROR: RELAYERS_SOCKETMAP must be local:/PATH, unix:/PATH, inet:PORT@HOST or inet6:PORT@HOST
')m4exit(1)')dnl
ifdef(`RELAYERS_SOCKETMAP_TIMEOUT', `',
	`define(`RELAYERS_SOCKETMAP_TIMEOUT', `5s')')dnl
ifelse(regexp(RELAYERS_SOCKETMAP_TIMEOUT, `^[1-9][0-9]*[smh]?$'), `0', `',
	`errprint(`*** ERROR: RELAYERS_SOCKETMAP_TIMEOUT must be a time such as 5s
')m4exit(1)')')dnl
LOCAL_CONFIG
ifdef(`RELAYERS_SOCKETMAP', `dnl
# relayers: clients allowed to relay, answered by relayersd at lookup time
Krelayers socket -d`'RELAYERS_SOCKETMAP_TIMEOUT -T<TMPF> RELAYERS_SOCKETMAP
', `dnl
# relayers: clients allowed to relay, written by mapgen
Krelayers hash -o RELAYERS_MAP
')dnl
ifdef(`RELAYERS_MAX_AGE', `Krelayers_arith arith
')dnl
LOCAL_RULESETS
SLocal_check_rcpt
R$*			$: $1 $| $>Relayers_client $&{client_addr}
R$* $| <RELAY>		$# OK
R$* $| <TEMP>		$: <TEMP> $1 $| $>Basic_check_rcpt $1
R<TEMP> $* $| $#error $*	$#error $@ 4.3.0 $: "451 Relay check temporarily unavailable, try again later"
R<TEMP> $* $| $#$*	$#$2		sendmail's own rules decided (discard, ...)
R<TEMP> $* $| $*	$: $1		sendmail's own rules accept it anyway
R$* $| $*		$: $1

SRelayers_client
R$@			$@ <NONE>		no client address: not ours to decide
R$+			$: < $(relayers $1 $: <?> $) >
R< $* <TMPF> >		$@ <TEMP>		no answer for now (-T<TMPF>)
R< <?> >		$@ <NONE>		not in the map
ifdef(`RELAYERS_MAX_AGE', `dnl
R< $- >			$: < $1 > < $&{time} >
R< $- > < >		$@ <TEMP>		no ${time}: a later transaction of the session
R< $- > < $- >		$: < $1 > < $(relayers_arith - $@ $2 $@ eval(RELAYERS_MAX_AGE * 60) $) >
R< $- > < $- >		$: < $(relayers_arith l $@ $1 $@ $2 $) >
R< FALSE >		$@ <RELAY>		stamp is recent enough, or in the future
R$*			$@ <NONE>		too old, or no number to compare',
`dnl
R< $+ >			$@ <RELAY>		any value: recorded')
