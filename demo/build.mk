# make demo: the chain from a POP/IMAP login to sendmail's relay verdict,
# shown step by step on this machine (demo/demo.sh).
demo: deps all
	RELAYERS_BUILD=$(BUILD) timeout 300 demo/demo.sh
