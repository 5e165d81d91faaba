#!/usr/bin/env bash
# Debian packages the test suite needs (QEMU for the QEMU driver's tests; xorriso for the
# test guest's ISO, see scripts/build-test-guest.sh, which downloads isolinux and
# syslinux-common itself, and xz-utils for it to unpack the guest kernel for direct boot;
# nmap for its vmauthd-brute script against the authd door, see
# test/faces/vmserverd/nmap.test.ts; python3-zeep for the RDV face's WSDL-driven client test;
# passt for the QEMU driver's nat network, see src/drivers/qemu/passt.ts; curl for
# docs/drivers.md's first-real-vm walkthrough, which fetches a guest's page through a port
# forward (test/readme/first-real-vm.test.ts); jq and script
# (bsdutils) for docs/cli.md's examples, which pipe into jq and answer prompts on a
# pseudo-terminal, see test/docs/cli-doc-examples.test.ts). Run as root.
set -euo pipefail
need=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
command -v cpio >/dev/null 2>&1 || need+=(cpio)
command -v xorriso >/dev/null 2>&1 || command -v genisoimage >/dev/null 2>&1 || need+=(xorriso)
command -v xz >/dev/null 2>&1 || need+=(xz-utils)
command -v nmap >/dev/null 2>&1 || need+=(nmap)
command -v passt >/dev/null 2>&1 || need+=(passt)
/usr/bin/python3 -c "import zeep" >/dev/null 2>&1 || need+=(python3-zeep)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
