#ifndef VECTORS_H
#define VECTORS_H
#include <stdint.h>
static const uint32_t VEC[] = {
    0x00000000u, 0x00000001u, 0x00000002u, 0x0000001fu, 0x00000020u, 0x7fffffffu, 0x80000000u,
    0x80000001u, 0xffffffffu, 0xfffffffeu, 0x12345678u, 0x9abcdef0u, 0x0000ffffu, 0xffff0000u,
    0x00000800u, 0xfffff800u, 0x55555555u, 0xaaaaaaaau, 0x00000007u, 0xdeadbeefu,
};
#define NVEC (sizeof(VEC) / sizeof(VEC[0]))
#endif
