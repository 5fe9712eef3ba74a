# SPDX-License-Identifier: GPL-2.0-or-later
#
# smoke - The guest boots, has its tools and a virtio-net eth0 (needs no
# network: also used to probe KVM and PVH boot)

check eth0-exists ip link show eth0
check eth0-virtio sh -c 'readlink /sys/class/net/eth0/device/driver | grep -q virtio_net'
check tools-ip sh -c '/usr/sbin/ip -V | grep -q iproute2'
check tools-socat socat -V
check tools-iperf3 iperf3 -v
check lo-up sh -c 'ip -o link show lo | grep -q UP'
