#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/fuzz/capture.sh - Seeds for fuzz_tap from real traffic: pasta --pcap
#
# Usage (as root, like the namespace tests): test/fuzz/capture.sh
#
# In the namespaces of test/lib/ns.sh, pasta --config-net runs a few
# clients in its namespace (ping, UDP and TCP echo to the gateway, which is
# the host, and to the far addresses of the remote namespace: the same
# addresses as fuzz_tap's configuration) with --pcap; pcap2seeds.py turns
# the frames the namespace sent into passt streams, one seed per flow, in
# corpus/fuzz_tap/pcap-*. Not part of any test run: the seeds are in git.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd python3 ping

E="python3 $TOP/test/lib/udpecho.py"
T="python3 $TOP/test/lib/tcptool.py"
bg_start echo4 run_remote $E "$FAR4" 5001
bg_start echo6 run_remote $E "$FAR6" 5001
bg_start hostlo $E 127.0.0.1 5003
bg_start tcpfar run_remote $T srv-echo :: 5002
bg_start tcphost $T srv-echo :: 5004
wait_port -r udp 5001 5 || fail "remote UDP echo server not up"
wait_port -r tcp 5002 5 || fail "remote TCP echo server not up"
wait_port tcp 5004 5 || fail "host TCP echo server not up"

pcap="$TEST_TMP/capture.pcap"
cat >"$TEST_TMP/client.sh" <<EOC
for a in $GW4 $FAR4 $GW6 $FAR6; do ping -c 2 -i 0.2 -W 2 \$a; done
python3 - <<'EOP'
import socket
for fam, addr, port in ((socket.AF_INET, "$FAR4", 5001),
                        (socket.AF_INET6, "$FAR6", 5001),
                        (socket.AF_INET, "$GW4", 5003),
                        (socket.AF_INET, "$FAR4", 5999)):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((addr, port))
    for n in (1, 100, 1400, 3000):
        try:
            s.send(b"x" * n)
            s.recv(65535)
        except Exception as e:
            print("udp", addr, port, e)
EOP
$T big $FAR4 5002 200000
$T big $FAR6 5002 200000
$T big $GW4 5004 100000
$T big $GW6 5004 100000
$T seq $GW4 5004 3
EOC
as_user "$PASTA" --config-net --dns "$DNS4" --pcap "$pcap" \
	-- sh "$TEST_TMP/client.sh" >"$TEST_TMP/pasta.log" 2>&1
check_eq "$?" 0 "clients in pasta's namespace"

python3 "$TOP/test/fuzz/pcap2seeds.py" "$pcap" "$TOP/test/fuzz/corpus/fuzz_tap"
