#!/bin/sh
# Runs every guest ELF on Debian's qemu-system-riscv32 and stores its UART output and
# exit status as fixtures: fixtures/NAME.out and fixtures/NAME.status.
# Usage: tools/guests/capture-qemu.sh [NAME...]   (default: every elf/*.elf)
set -eu
cd "$(dirname "$0")"
QEMU=${QEMU:-qemu-system-riscv32}
TIMEOUT=${TIMEOUT:-60}
mkdir -p fixtures
if [ "$#" -eq 0 ]; then
  set -- $(ls elf/*.elf | sed 's#elf/##; s#\.elf$##')
fi
"$QEMU" --version | head -n 1 > fixtures/QEMU_VERSION
for name in "$@"; do
  status=0
  timeout "$TIMEOUT" "$QEMU" -M virt -bios none -kernel "elf/$name.elf" \
    -nographic -serial stdio -monitor none < /dev/null > "fixtures/$name.out" || status=$?
  echo "$status" > "fixtures/$name.status"
  echo "$name: exit $status ($(wc -c < "fixtures/$name.out") bytes)"
done
