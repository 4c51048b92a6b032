#!/bin/sh
# STAND-IN for k3s' install.sh (boot and lifetime suites: tests/boot, tests/lifetime). It does
# what the real script does in air-gap mode (INSTALL_K3S_SKIP_DOWNLOAD=true, binary already in
# /usr/local/bin): write the systemd unit for the role, link kubectl, enable and (re)start the
# service, which blocks until the service reports ready (Type=notify).
set -eu
if [ "${INSTALL_K3S_SKIP_DOWNLOAD:-}" != true ]; then
  echo "stand-in install.sh: only the air-gap path (INSTALL_K3S_SKIP_DOWNLOAD=true) exists here" >&2
  exit 1
fi
role=${INSTALL_K3S_EXEC:-server}
case "$role" in
  server) unit=k3s ;;
  agent) unit=k3s-agent ;;
  *) echo "stand-in install.sh: unknown INSTALL_K3S_EXEC '$role'" >&2; exit 1 ;;
esac
cat >"/etc/systemd/system/$unit.service" <<UNIT
[Unit]
Description=k3s $role (unit written by the test suites' stand-in install.sh)
Wants=network-online.target
After=network-online.target
[Service]
Type=notify
ExecStart=/usr/local/bin/k3s $role
Restart=always
RestartSec=5s
# As k3s' own unit: no start timeout (a first start waits for etcd and the API), cgroups
# delegated (kubelet manages the pods' own), and the file limit containerd expects.
TimeoutStartSec=0
Delegate=yes
LimitNOFILE=1048576
[Install]
WantedBy=multi-user.target
UNIT
ln -sf k3s /usr/local/bin/kubectl
systemctl daemon-reload
systemctl enable "$unit.service"
# As the real script: INSTALL_K3S_SKIP_START=true installs without starting (the first server
# starts k3s itself once its bootstrap drop-in is written).
if [ "${INSTALL_K3S_SKIP_START:-}" != true ]; then
  systemctl restart "$unit.service"
fi
