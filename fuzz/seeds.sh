#!/usr/bin/env bash
# Fills a seed corpus directory for one fuzz target from testdata/:
#   fuzz/seeds.sh TARGET OUTDIR     (TARGET: object, cpim, xml-gso, ...)
# Files are copied (libFuzzer writes new inputs into its first corpus
# directory, which must never be testdata/). XML body targets get the XML
# bodies cut out of the fixtures of their kind; SIP and MSRP get the single
# messages of the text captures; tcp gets segment streams made from them.
set -euo pipefail
target=$1 out=$2
src=$(cd "$(dirname "$0")/.." && pwd)/testdata
mkdir -p "$out"

copy () { for f in "$@"; do [ -f "$f" ] && cp "$f" "$out/$(basename "$(dirname "$f")")-$(basename "$f")"; done; return 0; }

# XML bodies from .eml fixtures: from "<?xml" (or the first "<" of the
# body) to the end of the part.
xml_bodies () {
  python3 - "$out" "$@" <<'PY'
import os, re, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    data = open(path, 'rb').read()
    start = data.find(b'<?xml')
    if start < 0:
        continue
    end = re.search(rb'\r?\n--[^\r\n]*\r?\n', data[start:])
    body = data[start:start + end.start()] if end else data[start:]
    name = os.path.basename(os.path.dirname(path)) + '-' + os.path.basename(path) + '.xml'
    open(os.path.join(out, name), 'wb').write(body)
PY
}

# Single SIP/MSRP messages of the text captures (cut at "-----" lines).
text_messages () {
  python3 - "$out" "$1" "$src"/capture/*.txt <<'PY'
import os, re, sys
out, want = sys.argv[1], sys.argv[2]
n = 0
for path in sys.argv[3:]:
    data = open(path, 'rb').read()
    for msg in re.split(rb'^-----[^\n]*\n', data, flags=re.M):
        msg = msg.strip(b'\n') + b'\n'
        first = msg.split(b'\n', 1)[0]
        is_msrp = first.startswith(b'MSRP ')
        if (want == 'msrp') == is_msrp and len(msg) > 2:
            n += 1
            open(os.path.join(out, '%s-%03d' % (want, n)), 'wb').write(msg.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n'))
PY
}

# Segment streams for fuzz-tcp (format in fuzz/fuzz-tcp.c): each text
# capture cut into 200-byte segments, in order and reversed.
tcp_streams () {
  python3 - "$out" "$src"/capture/*.txt <<'PY'
import os, struct, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    data = open(path, 'rb').read()[:4000]
    segs = [(i, data[i:i + 200]) for i in range(0, len(data), 200)]
    for order, name in ((segs, 'fwd'), (segs[::-1], 'rev')):
        blob = bytes([0x10]) + struct.pack('>I', 999) + b'\0'
        for off, seg in order:
            blob += bytes([off // 200 % 2]) + struct.pack('>I', 1000 + off) + bytes([len(seg)]) + seg
        open(os.path.join(out, os.path.basename(path) + '.' + name), 'wb').write(blob)
PY
}

case $target in
  object)  copy "$src"/{message,object,hostile,ft,session,imdn,media,samples,conference,gso}/*.eml "$src"/nms/*.eml ;;
  built-valid)
           # the converter's own objects (expected trees) and every fixture;
           # then two with a first line (fuzz/fuzz-built-valid.c): a file
           # transfer given as root and parts, a chat with long values
           while IFS= read -r -d '' f; do
             cp "$f" "$out/$(echo "${f#"$src"/}" | tr / -)"
           done < <(find "$src" -name '*.eml' -print0)
           ft=$(ls "$src"/capture/expected/ft-1to1/*/*.eml 2>/dev/null | head -1)
           [ -n "$ft" ] && { printf '#6 3 0 2\n'; cat "$ft"; } >"$out/directive-ft-parts"
           chat=$(ls "$src"/capture/expected/chat-1to1/*/*.eml 2>/dev/null | head -1)
           [ -n "$chat" ] && { printf '#2 3 3 0\nX-Long: a\\R1000\nSubject: \\s\\sx  y\\R3\\t\n'
                               cat "$chat"; } >"$out/directive-long" ;;
  cpim)    copy "$src"/cpim/*.cpim "$src"/capture/message.cpim ;;
  check)   copy "$src"/values/* ;;
  xml-filetransfer) xml_bodies "$src"/ft/*.eml; copy "$src"/xml/*.xml ;;
  xml-session)      xml_bodies "$src"/session/*.eml; copy "$src"/xml/*.xml ;;
  xml-gso)          xml_bodies "$src"/gso/*.eml; copy "$src"/gso/*.xml "$src"/xml/*.xml ;;
  xml-confinfo)     xml_bodies "$src"/conference/*.eml; copy "$src"/conference/*.xml "$src"/xml/*.xml ;;
  xml-imdn)         xml_bodies "$src"/imdn/*.eml; copy "$src"/build/imdn-delivered.xml "$src"/xml/*.xml ;;
  imdn-shape)       xml_bodies "$src"/imdn/*.eml; copy "$src"/build/imdn-delivered.xml
                    # texts only (fuzz/fuzz-imdn-shape.c), for each valid shape
                    printf '\001\000msg-0001\n2014-04-29T09:48:09Z' >"$out/texts-0"
                    printf '\001\001msg-0002\n2014-04-29T09:48:09-08:00' >"$out/texts-1"
                    printf '\001\002imdn-0002\n2014-13-29T09:48:09Z' >"$out/texts-2"
                    printf '\001\003m-1\n2014-04-29T09:48:09Z' >"$out/texts-3" ;;
  sip)     text_messages sip ;;
  msrp)    text_messages msrp ;;
  pcap)    copy "$src"/capture/*.pcap "$src"/capture/*.pcapng ;;
  text-capture) copy "$src"/capture/*.txt "$src"/capture/message.cpim ;;
  tcp)     tcp_streams ;;
  smsxml)  copy "$src"/sms/*.xml ;;
  jsonl)   copy "$src"/sms/*.jsonl ;;
  mmspdu)  copy "$src"/sms/*.mms ;;
  imap)    copy "$src"/imap/*.txt "$src"/imap/*.bin ;;
  nms)     copy "$src"/nms/*.json ;;
  *) echo "seeds.sh: unknown target $target" >&2; exit 2 ;;
esac
# hostile cases found by fuzzing, named <target>-*.bin
copy "$src"/hostile/"$target"-*.bin
[ -n "$(ls -A "$out")" ] || { echo "seeds.sh: no seeds for $target" >&2; exit 1; }
