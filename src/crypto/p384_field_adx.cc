// FeMul with MULX/ADCX/ADOX (x86-64, BMI2 + ADX): the same CIOS Montgomery
// multiplication as the portable code in p384_field.cc, one row of a·b[i]
// and one reduction step per word of b, each row on two carry chains (ADOX
// for the low halves of the products, ADCX for the high halves).
//
// brs_p384_mul_adx(r, a, b), System V ABI: rdi = r, rsi = a, rdx = b; a, b
// below p; r may alias a or b (it is written last). The accumulator t lives
// in r8..r15, one word more each row (the register names rotate, so no word
// is moved); rax/rbx take the products. After each reduction t < 2p, so
// seven words hold it and one more takes the row's carry.
#if defined(__x86_64__)

#include <cstdint>

#include "crypto/p384_field.h"

extern "C" void brs_p384_mul_adx(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]);

asm(R"(
  .pushsection .rodata
  .p2align 4
.Lbrs_p384_p:
  .quad 0x00000000ffffffff, 0xffffffff00000000, 0xfffffffffffffffe
  .quad 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff
  .popsection

# t0..t6 += a * b[off/8]; t7 := the carry word.
.macro brs_p384_row off, t0, t1, t2, t3, t4, t5, t6, t7
  movq \off(%rcx), %rdx
  xorl %eax, %eax
  movq %rax, \t7
  mulxq 0(%rsi), %rax, %rbx
  adoxq %rax, \t0
  adcxq %rbx, \t1
  mulxq 8(%rsi), %rax, %rbx
  adoxq %rax, \t1
  adcxq %rbx, \t2
  mulxq 16(%rsi), %rax, %rbx
  adoxq %rax, \t2
  adcxq %rbx, \t3
  mulxq 24(%rsi), %rax, %rbx
  adoxq %rax, \t3
  adcxq %rbx, \t4
  mulxq 32(%rsi), %rax, %rbx
  adoxq %rax, \t4
  adcxq %rbx, \t5
  mulxq 40(%rsi), %rax, %rbx
  adoxq %rax, \t5
  adcxq %rbx, \t6
  movl $0, %eax
  adcxq %rax, \t7
  adoxq %rax, \t6
  adoxq %rax, \t7
.endm

# t += m * p with m = t0 * (-p^-1) mod 2^64 = t0 * (2^32 + 1), so t0 becomes
# 0 and t1..t7 hold the result.
.macro brs_p384_reduce t0, t1, t2, t3, t4, t5, t6, t7
  movq \t0, %rdx
  shlq $32, %rdx
  addq \t0, %rdx
  xorl %eax, %eax
  mulxq .Lbrs_p384_p+0(%rip), %rax, %rbx
  adoxq %rax, \t0
  adcxq %rbx, \t1
  mulxq .Lbrs_p384_p+8(%rip), %rax, %rbx
  adoxq %rax, \t1
  adcxq %rbx, \t2
  mulxq .Lbrs_p384_p+16(%rip), %rax, %rbx
  adoxq %rax, \t2
  adcxq %rbx, \t3
  mulxq .Lbrs_p384_p+24(%rip), %rax, %rbx
  adoxq %rax, \t3
  adcxq %rbx, \t4
  mulxq .Lbrs_p384_p+32(%rip), %rax, %rbx
  adoxq %rax, \t4
  adcxq %rbx, \t5
  mulxq .Lbrs_p384_p+40(%rip), %rax, %rbx
  adoxq %rax, \t5
  adcxq %rbx, \t6
  movl $0, %eax
  adcxq %rax, \t7
  adoxq %rax, \t6
  adoxq %rax, \t7
.endm

  .text
  .p2align 5
  .globl brs_p384_mul_adx
  .hidden brs_p384_mul_adx
  .type brs_p384_mul_adx, @function
brs_p384_mul_adx:
  .cfi_startproc
  endbr64
  pushq %rbx
  .cfi_adjust_cfa_offset 8
  .cfi_offset %rbx, -16
  pushq %r12
  .cfi_adjust_cfa_offset 8
  .cfi_offset %r12, -24
  pushq %r13
  .cfi_adjust_cfa_offset 8
  .cfi_offset %r13, -32
  pushq %r14
  .cfi_adjust_cfa_offset 8
  .cfi_offset %r14, -40
  pushq %r15
  .cfi_adjust_cfa_offset 8
  .cfi_offset %r15, -48
  movq %rdx, %rcx
  xorl %r8d, %r8d
  xorl %r9d, %r9d
  xorl %r10d, %r10d
  xorl %r11d, %r11d
  xorl %r12d, %r12d
  xorl %r13d, %r13d
  xorl %r14d, %r14d
  brs_p384_row 0, %r8, %r9, %r10, %r11, %r12, %r13, %r14, %r15
  brs_p384_reduce %r8, %r9, %r10, %r11, %r12, %r13, %r14, %r15
  brs_p384_row 8, %r9, %r10, %r11, %r12, %r13, %r14, %r15, %r8
  brs_p384_reduce %r9, %r10, %r11, %r12, %r13, %r14, %r15, %r8
  brs_p384_row 16, %r10, %r11, %r12, %r13, %r14, %r15, %r8, %r9
  brs_p384_reduce %r10, %r11, %r12, %r13, %r14, %r15, %r8, %r9
  brs_p384_row 24, %r11, %r12, %r13, %r14, %r15, %r8, %r9, %r10
  brs_p384_reduce %r11, %r12, %r13, %r14, %r15, %r8, %r9, %r10
  brs_p384_row 32, %r12, %r13, %r14, %r15, %r8, %r9, %r10, %r11
  brs_p384_reduce %r12, %r13, %r14, %r15, %r8, %r9, %r10, %r11
  brs_p384_row 40, %r13, %r14, %r15, %r8, %r9, %r10, %r11, %r12
  brs_p384_reduce %r13, %r14, %r15, %r8, %r9, %r10, %r11, %r12
  # t = r14, r15, r8, r9, r10, r11 and the top word r12 (0 or 1), t < 2p:
  # subtract p, keep t when that borrows.
  movq %r14, %rax
  subq .Lbrs_p384_p+0(%rip), %rax
  movq %r15, %rbx
  sbbq .Lbrs_p384_p+8(%rip), %rbx
  movq %r8, %rcx
  sbbq .Lbrs_p384_p+16(%rip), %rcx
  movq %r9, %rdx
  sbbq .Lbrs_p384_p+24(%rip), %rdx
  movq %r10, %rsi
  sbbq .Lbrs_p384_p+32(%rip), %rsi
  movq %r11, %r13
  sbbq .Lbrs_p384_p+40(%rip), %r13
  sbbq $0, %r12
  cmovcq %r14, %rax
  cmovcq %r15, %rbx
  cmovcq %r8, %rcx
  cmovcq %r9, %rdx
  cmovcq %r10, %rsi
  cmovcq %r11, %r13
  movq %rax, 0(%rdi)
  movq %rbx, 8(%rdi)
  movq %rcx, 16(%rdi)
  movq %rdx, 24(%rdi)
  movq %rsi, 32(%rdi)
  movq %r13, 40(%rdi)
  popq %r15
  .cfi_adjust_cfa_offset -8
  popq %r14
  .cfi_adjust_cfa_offset -8
  popq %r13
  .cfi_adjust_cfa_offset -8
  popq %r12
  .cfi_adjust_cfa_offset -8
  popq %rbx
  .cfi_adjust_cfa_offset -8
  ret
  .cfi_endproc
  .size brs_p384_mul_adx, .-brs_p384_mul_adx
)");

namespace brs::crypto::p384 {

void MulAdx(Fe& r, const Fe& a, const Fe& b) { brs_p384_mul_adx(r.v, a.v, b.v); }

}  // namespace brs::crypto::p384

#endif  // __x86_64__
