#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_events.sh: check seg6mig-libvirt-events against stub `virsh` and
# `seg6mig` placed first in PATH. The virsh stub records its arguments and
# prints a scripted event stream in libvirt's format; the seg6mig stub
# records each call. No libvirt, no module, no root needed.
# Exit 0 when every check passed, 1 otherwise.

set -u

here=$(cd "$(dirname "$0")" && pwd)
LISTENER=$here/seg6mig-libvirt-events
tmp=$(mktemp -d /tmp/test_events.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
checks=0 failed=0

ok() { checks=$((checks + 1)); echo "ok   $1"; }
fail() { checks=$((checks + 1)); failed=$((failed + 1)); echo "FAIL $1"; }
# check DESC CMD...: CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}
# same FILE EXPECTED DESC: FILE holds exactly EXPECTED.
same() {
	if [[ $(cat "$1" 2> /dev/null) == "$2" ]]; then
		ok "$3"
	else
		fail "$3: expected"
		printf '%s\n' "$2" | sed 's/^/       /'
		echo "     got"
		sed 's/^/       /' "$1" 2> /dev/null
	fi
}

mkdir "$tmp/bin"
cat > "$tmp/bin/virsh" <<STUB
#!/bin/bash
echo "LC_ALL=\${LC_ALL:-} \$*" >> "$tmp/virsh.args"
cat "$tmp/events"
exit \${VIRSH_RC:-0}
STUB
cat > "$tmp/bin/seg6mig" <<STUB
#!/bin/bash
echo "\$*" >> "$tmp/seg6mig.calls"
[[ \$2 == 2001:db8::bad ]] && { echo "seg6mig: release: No such process" >&2; exit 1; }
echo 3
STUB
chmod +x "$tmp/bin/virsh" "$tmp/bin/seg6mig"
export PATH=$tmp/bin:$PATH

cat > "$tmp/vips" <<'VIPS'
# DOMAIN VIP [VIP...]
vm1 2001:db8::1 2001:db8::11
vm2 2001:db8::2
vm4 2001:db8::4   # post-copy
web-01.example 2001:db8::5
vm7 2001:db8::bad 2001:db8::7
VIPS
echo fc00:2::bfw > "$tmp/bfw_sid"

# run ARGS...: the listener on $tmp/events, output in $tmp/out, status in rc.
run() {
	rm -f "$tmp/virsh.args" "$tmp/seg6mig.calls"
	"$LISTENER" "$@" > "$tmp/out" 2>&1
	rc=$?
}

echo "# destination, source, post-copy, unknown domains, noise"
cat > "$tmp/events" <<'EV'
event 'lifecycle' for domain 'vm1': Started Migrated
event 'lifecycle' for domain 'vm1': Resumed Migrated
event 'lifecycle' for domain 'vm2': Suspended Migrated
event 'lifecycle' for domain 'vm2': Resumed Migrated
event 'lifecycle' for domain 'vm3': Suspended Paused
event 'lifecycle' for domain 'vm3': Resumed Unpaused
event 'lifecycle' for domain 'vm4': Started Migrated
event 'lifecycle' for domain 'vm4': Resumed Post-copy
event 'lifecycle' for domain 'vm5': Resumed Migrated
event 'lifecycle' for domain 'vm6': Stopped Failed
event 'lifecycle' for domain 'web-01.example': Resumed Migrated
event 'lifecycle' for domain 'vm7': Resumed Migrated
event 'reboot' for domain 'vm1'
event 'lifecycle' for domain 'vm2': Suspended Migrated
event 'lifecycle' for domain 'vm2': Stopped Migrated
event 'lifecycle' for domain 'vm2': Started Migrated
event 'lifecycle' for domain 'vm2': Resumed Migrated
events received: 17
EV
run -f "$tmp/vips" -S "$tmp/bfw_sid"
check "exit 0 when virsh ends with 0 (rc $rc)" [ "$rc" = 0 ]
same "$tmp/virsh.args" "LC_ALL=C event --loop --event lifecycle" \
	"virsh called once: C locale, event --loop --event lifecycle"
same "$tmp/seg6mig.calls" "release 2001:db8::1 sid fc00:2::bfw
release 2001:db8::11 sid fc00:2::bfw
release 2001:db8::2 sid fc00:2::bfw
release 2001:db8::4 sid fc00:2::bfw
release 2001:db8::5 sid fc00:2::bfw
release 2001:db8::bad sid fc00:2::bfw
release 2001:db8::7 sid fc00:2::bfw
release 2001:db8::2 sid fc00:2::bfw" \
	"released: vm1 (2 VIPs), vm2 resumed on the source (aborted), vm4 (post-copy), web-01.example, vm7, vm2 once it came in; not vm3, vm5"
check "source resumed after an aborted migration: logged" \
	grep -q "vm2: resumed (Migrated) on the source: migration aborted" "$tmp/out"
check "domain without VIPs: logged" grep -q "vm5: resumed after migration, but no VIP" "$tmp/out"
check "Stopped Failed: logged" grep -q "vm6: stopped, failed" "$tmp/out"
check "a failed release is logged and the next VIP still released" \
	grep -q "vm7: release 2001:db8::bad sid fc00:2::bfw failed: seg6mig: release: No such process" "$tmp/out"
check "release output logged" grep -q "vm1: release 2001:db8::1 sid fc00:2::bfw: 3" "$tmp/out"

echo "# options"
printf '%s\n' "event 'lifecycle' for domain 'vm1': Started Migrated" \
	"event 'lifecycle' for domain 'vm1': Resumed Migrated" > "$tmp/events"
run -f "$tmp/vips" -S "$tmp/bfw_sid" -s fc00:9::bfw -c qemu:///system
same "$tmp/seg6mig.calls" "release 2001:db8::1 sid fc00:9::bfw
release 2001:db8::11 sid fc00:9::bfw" "-s overrides the SID file"
same "$tmp/virsh.args" "LC_ALL=C -c qemu:///system event --loop --event lifecycle" "-c passes the URI to virsh"
VIRSH_RC=3 run -f "$tmp/vips" -s fc00:9::bfw
check "exits with virsh's status when virsh ends (3, got $rc)" [ "$rc" = 3 ]
run -f "$tmp/vips" -S "$tmp/none"
check "no SID: exit 1, names the file, virsh not started (rc $rc)" \
	eval "[[ $rc == 1 && ! -e '$tmp/virsh.args' ]] && grep -q 'nothing in $tmp/none' '$tmp/out'"
run -x
check "unknown option: exit 1 with usage (rc $rc)" eval "[[ $rc == 1 ]] && grep -q usage '$tmp/out'"

echo "# $checks checks, $failed failed"
((failed == 0))
