/* Framebuffer animation: draws FRAMES frames of a bouncing box and a progress bar over a
 * fixed background into a back buffer in RAM, and after each frame copies the pixels
 * that changed to memvisor's framebuffer at 0x08000000 (320x240, 32 bits per pixel).
 * QEMU's virt has nothing there: the one probing store at start is an access fault, and
 * then the guest draws into RAM only. The UART output (one checksum per frame, computed
 * from the back buffer) is the same on both machines. Frame 6 repeats frame 5, so its
 * copy writes nothing. */
#include "rt.h"

#define FB_BASE 0x08000000u
#define W 320
#define H 240
#define FRAMES 12
#define BOX_W 40
#define BOX_H 28

static uint32_t back[W * H];
static uint32_t shadow[W * H]; /* what the framebuffer holds (zero at reset) */
static volatile uint32_t tcause;

void __attribute__((interrupt("machine"), aligned(4))) mhandler(void) {
  uint32_t epc = csr_read(mepc);
  tcause = csr_read(mcause);
  uint16_t lo = *(volatile uint16_t *)epc;
  csr_write(mepc, epc + ((lo & 3) == 3 ? 4 : 2));
}

static int fb_present(void) {
  tcause = ~0u;
  __asm__ volatile("sw zero, 0(%0)" ::"r"(FB_BASE) : "memory");
  return tcause == ~0u;
}

static uint32_t background(uint32_t x, uint32_t y) {
  return 0xff000000u | ((x * 3u) & 0xffu) << 16 | ((y * 5u) & 0xffu) << 8 | (((x ^ y) & 0x3fu) + 0x40u);
}

static void fill(uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, uint32_t rgb, int bg) {
  for (uint32_t y = y0; y < y0 + h && y < H; y++)
    for (uint32_t x = x0; x < x0 + w && x < W; x++) back[y * W + x] = bg ? background(x, y) : rgb;
}

/* Box position at animation time t: bounces inside the screen. */
static void box_at(uint32_t t, uint32_t *bx, uint32_t *by) {
  uint32_t x = 8 + t * 23, y = 6 + t * 17;
  uint32_t xr = W - BOX_W, yr = H - 12 - BOX_H;
  x %= 2 * xr;
  y %= 2 * yr;
  *bx = x < xr ? x : 2 * xr - x;
  *by = y < yr ? y : 2 * yr - y;
}

static void draw(uint32_t t, uint32_t prev_t, int first) {
  uint32_t bx, by;
  if (!first) {
    box_at(prev_t, &bx, &by);
    fill(bx, by, BOX_W, BOX_H, 0, 1);
  }
  box_at(t, &bx, &by);
  fill(bx, by, BOX_W, BOX_H, 0xff202020u + t * 0x00130b07u, 0);
  fill(0, H - 8, (t + 1) * 24, 8, 0xffe0c020u, 0);
}

static uint32_t checksum(void) {
  uint32_t h = 0x811c9dc5u;
  for (uint32_t i = 0; i < W * H; i++) h = ((h << 5) | (h >> 27)) + back[i];
  return h;
}

/* Copies the words that differ from what the framebuffer holds; returns their count. */
static uint32_t blit(int present) {
  volatile uint32_t *fb = (volatile uint32_t *)FB_BASE;
  uint32_t n = 0;
  for (uint32_t i = 0; i < W * H; i++) {
    uint32_t v = back[i];
    if (v != shadow[i]) {
      shadow[i] = v;
      if (present) fb[i] = v;
      n++;
    }
  }
  return n;
}

int main(void) {
  csr_write(mtvec, (uint32_t)mhandler);
  rt_puts("fbanim 320x240 frames=");
  rt_dec(FRAMES);
  rt_putc('\n');
  int present = fb_present();
  fill(0, 0, W, H, 0, 1);
  uint32_t all = 0, prev_t = 0;
  for (uint32_t f = 0; f < FRAMES; f++) {
    uint32_t t = f == 6 ? 5 : f;
    draw(t, prev_t, f == 0);
    prev_t = t;
    uint32_t n = blit(present);
    uint32_t sum = checksum();
    all = rt_hash(all, sum);
    rt_puts("frame ");
    rt_dec((int32_t)f);
    rt_puts(" sum=");
    rt_hex(sum);
    rt_puts(" changed=");
    rt_dec((int32_t)n);
    rt_putc('\n');
  }
  rt_kv("all", all);
  return 0;
}
