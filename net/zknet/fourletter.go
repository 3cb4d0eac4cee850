package zknet

import "strings"

// fourLetterCode is the first 4 bytes of a connection read as a big-endian
// int32, as ZooKeeper's FourLetterCommands compares them.
func fourLetterCode(w string) uint32 {
	return uint32(w[0])<<24 | uint32(w[1])<<16 | uint32(w[2])<<8 | uint32(w[3])
}

// telnetClose is the code ZooKeeper knows as "telnet close": the bytes a
// telnet client sends on ^] quit (IAC IP IAC DO).
const telnetClose = 0xfff4fffd

// telnetCloseWord is ZooKeeper's name for telnetClose.
const telnetCloseWord = "telnet close"

// knownWords lists every four-letter word ZooKeeper 3.8 knows
// (FourLetterCommands.cmd2String), its "telnet close" pseudo-word last.
var knownWords = [...]string{
	"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk",
	"srst", "srvr", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash",
	telnetCloseWord,
}

// FourLetterWords returns every word ZooKeeper 3.8 knows, plus its
// "telnet close" pseudo-word. A connection whose first 4 bytes spell one of
// them is treated as a command, not as a frame length.
func FourLetterWords() []string { return append([]string(nil), knownWords[:]...) }

// lookupFourLetter returns the word whose code is code, if ZooKeeper knows
// it.
func lookupFourLetter(code uint32) (string, bool) {
	if code == telnetClose {
		return telnetCloseWord, true
	}
	// NB: every known word is 4 ASCII letters, so any byte outside 'a'..'z'
	// rules a word out before the table is scanned.
	for i := 0; i < 4; i++ {
		b := byte(code >> (24 - 8*i))
		if b < 'a' || b > 'z' {
			return "", false
		}
	}
	for _, w := range knownWords[:len(knownWords)-1] {
		if fourLetterCode(w) == code {
			return w, true
		}
	}
	return "", false
}

// notWhitelisted is ZooKeeper's reply to a known word that is not enabled
// (NopCommand, printed with println, so it ends in "\n").
func notWhitelisted(word string) string {
	return word + " is not executed because it is not in the whitelist.\n"
}

// whitelist parses 4lw.commands.whitelist as FourLetterCommands.isEnabled
// does: entries are comma-separated and trimmed, empty ones ignored, "*"
// enables every known word, "srvr" is always enabled (zkServer.sh needs it)
// and "isro" is enabled when read-only mode is.
func whitelist(entries []string, readOnlyMode bool) map[string]bool {
	wl := make(map[string]bool)
	for _, e := range entries {
		for _, cmd := range strings.Split(e, ",") {
			cmd = strings.TrimSpace(cmd)
			if cmd == "*" {
				for _, w := range knownWords {
					wl[w] = true
				}
				continue
			}
			if cmd != "" {
				wl[cmd] = true
			}
		}
	}
	if readOnlyMode {
		wl["isro"] = true
	}
	wl["srvr"] = true
	return wl
}
