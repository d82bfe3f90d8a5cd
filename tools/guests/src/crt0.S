/* Reset entry: QEMU's virt mrom jumps here in M-mode with a0 = hartid, a1 = fdt. */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  la t0, default_trap
    csrw mtvec, t0
    call main
    call rt_exit
3:  j 3b

/* Unexpected trap: report cause/epc/tval and fail with code 99. */
    .align 4
    .globl default_trap
default_trap:
    la sp, __stack_top
    call rt_unexpected_trap
4:  j 4b
