// The P-384 field in x86-64 assembly, for p384_field.cc:
//   - brs_p384_mul_adx (MULX/ADCX/ADOX, BMI2 + ADX): the same CIOS Montgomery
//     multiplication as the portable code in p384_field.cc, one row of a·b[i]
//     and one reduction step per word of b, each row on two carry chains
//     (ADOX for the low halves of the products, ADCX for the high halves);
//   - brs_p384_sqr_adx (BMI2 + ADX): a squaring, the 15 products a_i·a_j
//     (i < j) once, doubled, plus the 6 squares a_i^2, then the low half of
//     the 12-word square Montgomery-reduced (the reduction steps of the
//     multiplication) and the high half added: 21 products where the
//     multiplication has 36, the reduction's 36 the same;
//   - brs_p384_add, brs_p384_sub (plain x86-64): a ± b with one conditional
//     correction by p, selected with CMOV.
//
// All take (r, a[, b]) in the System V ABI: rdi = r, rsi = a, rdx = b; a, b
// below p; r may alias a or b (it is written last, or after every input
// word was read). In the multiplication the accumulator t lives in r8..r15,
// one word more each row (the register names rotate, so no word is moved);
// rax/rbx take the products. After each reduction t < 2p, so seven words
// hold it and one more takes the row's carry. No branch and no memory index
// depends on the values.
#if defined(__x86_64__)

#include <cstdint>

#include "crypto/p384_field.h"

extern "C" {
void brs_p384_mul_adx(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]);
void brs_p384_sqr_adx(uint64_t r[6], const uint64_t a[6]);
void brs_p384_add(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]);
void brs_p384_sub(uint64_t r[6], const uint64_t a[6], const uint64_t b[6]);
}

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

# r = a^2 / 2^384 mod p. Off-diagonal products a_i a_j (i < j) into t1..t10
# (each row fits: the rows so far are below 2^(64(i+7))), doubled into
# t1..t11, the squares added, t0 and the high half t6..t11 to the stack,
# the low half reduced (six steps of brs_p384_reduce, U <= p), U + high
# half < 2p, one conditional subtraction.
  .text
  .p2align 5
  .globl brs_p384_sqr_adx
  .hidden brs_p384_sqr_adx
  .type brs_p384_sqr_adx, @function
brs_p384_sqr_adx:
  .cfi_startproc
  endbr64
  pushq %rbx
  .cfi_adjust_cfa_offset 8
  .cfi_offset %rbx, -16
  pushq %rbp
  .cfi_adjust_cfa_offset 8
  .cfi_offset %rbp, -24
  pushq %r12
  .cfi_adjust_cfa_offset 8
  .cfi_offset %r12, -32
  pushq %r13
  .cfi_adjust_cfa_offset 8
  .cfi_offset %r13, -40
  pushq %r14
  .cfi_adjust_cfa_offset 8
  .cfi_offset %r14, -48
  pushq %r15
  .cfi_adjust_cfa_offset 8
  .cfi_offset %r15, -56
  pushq %rdi
  .cfi_adjust_cfa_offset 8
  subq $56, %rsp
  .cfi_adjust_cfa_offset 56
  # Row 0: a0 * a1..a5 into t1..t6 (r8..r13).
  movq 0(%rsi), %rdx
  mulxq 8(%rsi), %r8, %r9
  mulxq 16(%rsi), %rax, %r10
  addq %rax, %r9
  mulxq 24(%rsi), %rax, %r11
  adcq %rax, %r10
  mulxq 32(%rsi), %rax, %r12
  adcq %rax, %r11
  mulxq 40(%rsi), %rax, %r13
  adcq %rax, %r12
  adcq $0, %r13
  # Row 1: a1 * a2..a5 into t3..t7 (t7 = r14).
  movq 8(%rsi), %rdx
  xorl %r14d, %r14d
  mulxq 16(%rsi), %rax, %rbx
  adoxq %rax, %r10
  adcxq %rbx, %r11
  mulxq 24(%rsi), %rax, %rbx
  adoxq %rax, %r11
  adcxq %rbx, %r12
  mulxq 32(%rsi), %rax, %rbx
  adoxq %rax, %r12
  adcxq %rbx, %r13
  mulxq 40(%rsi), %rax, %rbx
  adoxq %rax, %r13
  adcxq %rbx, %r14
  movl $0, %eax
  adoxq %rax, %r14
  # Row 2: a2 * a3..a5 into t5..t8 (t8 = r15).
  movq 16(%rsi), %rdx
  xorl %r15d, %r15d
  mulxq 24(%rsi), %rax, %rbx
  adoxq %rax, %r12
  adcxq %rbx, %r13
  mulxq 32(%rsi), %rax, %rbx
  adoxq %rax, %r13
  adcxq %rbx, %r14
  mulxq 40(%rsi), %rax, %rbx
  adoxq %rax, %r14
  adcxq %rbx, %r15
  movl $0, %eax
  adoxq %rax, %r15
  # Row 3: a3 * a4, a5 into t7..t9 (t9 = rcx).
  movq 24(%rsi), %rdx
  xorl %ecx, %ecx
  mulxq 32(%rsi), %rax, %rbx
  adoxq %rax, %r14
  adcxq %rbx, %r15
  mulxq 40(%rsi), %rax, %rbx
  adoxq %rax, %r15
  adcxq %rbx, %rcx
  movl $0, %eax
  adoxq %rax, %rcx
  # Row 4: a4 * a5 into t9, t10 (t10 = rbp).
  movq 32(%rsi), %rdx
  mulxq 40(%rsi), %rax, %rbp
  addq %rax, %rcx
  adcq $0, %rbp
  # Double into t1..t11 (t11 = rdi).
  xorl %edi, %edi
  addq %r8, %r8
  adcq %r9, %r9
  adcq %r10, %r10
  adcq %r11, %r11
  adcq %r12, %r12
  adcq %r13, %r13
  adcq %r14, %r14
  adcq %r15, %r15
  adcq %rcx, %rcx
  adcq %rbp, %rbp
  adcq %rdi, %rdi
  # The squares a_i^2 at t_2i, t_2i+1 (one carry chain; t0 to the stack).
  movq 0(%rsi), %rdx
  mulxq %rdx, %rax, %rbx
  movq %rax, 0(%rsp)
  addq %rbx, %r8
  movq 8(%rsi), %rdx
  mulxq %rdx, %rax, %rbx
  adcq %rax, %r9
  adcq %rbx, %r10
  movq 16(%rsi), %rdx
  mulxq %rdx, %rax, %rbx
  adcq %rax, %r11
  adcq %rbx, %r12
  movq 24(%rsi), %rdx
  mulxq %rdx, %rax, %rbx
  adcq %rax, %r13
  adcq %rbx, %r14
  movq 32(%rsi), %rdx
  mulxq %rdx, %rax, %rbx
  adcq %rax, %r15
  adcq %rbx, %rcx
  movq 40(%rsi), %rdx
  mulxq %rdx, %rax, %rbx
  adcq %rax, %rbp
  adcq %rbx, %rdi
  # High half t6..t11 to the stack; the low half t0..t5 in r13, r8..r12.
  movq %r13, 8(%rsp)
  movq %r14, 16(%rsp)
  movq %r15, 24(%rsp)
  movq %rcx, 32(%rsp)
  movq %rbp, 40(%rsp)
  movq %rdi, 48(%rsp)
  movq 0(%rsp), %r13
  xorl %r14d, %r14d
  xorl %r15d, %r15d
  brs_p384_reduce %r13, %r8, %r9, %r10, %r11, %r12, %r14, %r15
  brs_p384_reduce %r8, %r9, %r10, %r11, %r12, %r14, %r15, %r13
  brs_p384_reduce %r9, %r10, %r11, %r12, %r14, %r15, %r13, %r8
  brs_p384_reduce %r10, %r11, %r12, %r14, %r15, %r13, %r8, %r9
  brs_p384_reduce %r11, %r12, %r14, %r15, %r13, %r8, %r9, %r10
  brs_p384_reduce %r12, %r14, %r15, %r13, %r8, %r9, %r10, %r11
  # U = r14, r15, r13, r8, r9, r10 (r11 = 0); add the high half.
  addq 8(%rsp), %r14
  adcq 16(%rsp), %r15
  adcq 24(%rsp), %r13
  adcq 32(%rsp), %r8
  adcq 40(%rsp), %r9
  adcq 48(%rsp), %r10
  adcq $0, %r11
  # t < 2p: subtract p, keep t when that borrows.
  movq %r14, %rax
  subq .Lbrs_p384_p+0(%rip), %rax
  movq %r15, %rbx
  sbbq .Lbrs_p384_p+8(%rip), %rbx
  movq %r13, %rcx
  sbbq .Lbrs_p384_p+16(%rip), %rcx
  movq %r8, %rdx
  sbbq .Lbrs_p384_p+24(%rip), %rdx
  movq %r9, %rsi
  sbbq .Lbrs_p384_p+32(%rip), %rsi
  movq %r10, %r12
  sbbq .Lbrs_p384_p+40(%rip), %r12
  sbbq $0, %r11
  cmovcq %r14, %rax
  cmovcq %r15, %rbx
  cmovcq %r13, %rcx
  cmovcq %r8, %rdx
  cmovcq %r9, %rsi
  cmovcq %r10, %r12
  addq $56, %rsp
  .cfi_adjust_cfa_offset -56
  popq %rdi
  .cfi_adjust_cfa_offset -8
  movq %rax, 0(%rdi)
  movq %rbx, 8(%rdi)
  movq %rcx, 16(%rdi)
  movq %rdx, 24(%rdi)
  movq %rsi, 32(%rdi)
  movq %r12, 40(%rdi)
  popq %r15
  .cfi_adjust_cfa_offset -8
  popq %r14
  .cfi_adjust_cfa_offset -8
  popq %r13
  .cfi_adjust_cfa_offset -8
  popq %r12
  .cfi_adjust_cfa_offset -8
  popq %rbp
  .cfi_adjust_cfa_offset -8
  popq %rbx
  .cfi_adjust_cfa_offset -8
  ret
  .cfi_endproc
  .size brs_p384_sqr_adx, .-brs_p384_sqr_adx

# r = a + b mod p: s = a + b (carry c), s to r, s - p in registers, kept
# unless c:s - p borrows (then s is reloaded from r).
  .p2align 5
  .globl brs_p384_add
  .hidden brs_p384_add
  .type brs_p384_add, @function
brs_p384_add:
  .cfi_startproc
  endbr64
  movq 0(%rsi), %r8
  movq 8(%rsi), %r9
  movq 16(%rsi), %r10
  movq 24(%rsi), %r11
  movq 32(%rsi), %rax
  movq 40(%rsi), %rcx
  addq 0(%rdx), %r8
  adcq 8(%rdx), %r9
  adcq 16(%rdx), %r10
  adcq 24(%rdx), %r11
  adcq 32(%rdx), %rax
  adcq 40(%rdx), %rcx
  movl $0, %edx
  adcq $0, %rdx
  movq %r8, 0(%rdi)
  movq %r9, 8(%rdi)
  movq %r10, 16(%rdi)
  movq %r11, 24(%rdi)
  movq %rax, 32(%rdi)
  movq %rcx, 40(%rdi)
  subq .Lbrs_p384_p+0(%rip), %r8
  sbbq .Lbrs_p384_p+8(%rip), %r9
  sbbq .Lbrs_p384_p+16(%rip), %r10
  sbbq .Lbrs_p384_p+24(%rip), %r11
  sbbq .Lbrs_p384_p+32(%rip), %rax
  sbbq .Lbrs_p384_p+40(%rip), %rcx
  sbbq $0, %rdx
  cmovcq 0(%rdi), %r8
  cmovcq 8(%rdi), %r9
  cmovcq 16(%rdi), %r10
  cmovcq 24(%rdi), %r11
  cmovcq 32(%rdi), %rax
  cmovcq 40(%rdi), %rcx
  movq %r8, 0(%rdi)
  movq %r9, 8(%rdi)
  movq %r10, 16(%rdi)
  movq %r11, 24(%rdi)
  movq %rax, 32(%rdi)
  movq %rcx, 40(%rdi)
  ret
  .cfi_endproc
  .size brs_p384_add, .-brs_p384_add

# r = a - b mod p: d = a - b (borrow into a mask), d to r, d + p in
# registers, kept when a - b borrowed (else d is reloaded from r).
  .p2align 5
  .globl brs_p384_sub
  .hidden brs_p384_sub
  .type brs_p384_sub, @function
brs_p384_sub:
  .cfi_startproc
  endbr64
  movq 0(%rsi), %r8
  movq 8(%rsi), %r9
  movq 16(%rsi), %r10
  movq 24(%rsi), %r11
  movq 32(%rsi), %rax
  movq 40(%rsi), %rcx
  subq 0(%rdx), %r8
  sbbq 8(%rdx), %r9
  sbbq 16(%rdx), %r10
  sbbq 24(%rdx), %r11
  sbbq 32(%rdx), %rax
  sbbq 40(%rdx), %rcx
  sbbq %rsi, %rsi
  movq %r8, 0(%rdi)
  movq %r9, 8(%rdi)
  movq %r10, 16(%rdi)
  movq %r11, 24(%rdi)
  movq %rax, 32(%rdi)
  movq %rcx, 40(%rdi)
  addq .Lbrs_p384_p+0(%rip), %r8
  adcq .Lbrs_p384_p+8(%rip), %r9
  adcq .Lbrs_p384_p+16(%rip), %r10
  adcq .Lbrs_p384_p+24(%rip), %r11
  adcq .Lbrs_p384_p+32(%rip), %rax
  adcq .Lbrs_p384_p+40(%rip), %rcx
  testq %rsi, %rsi
  cmovzq 0(%rdi), %r8
  cmovzq 8(%rdi), %r9
  cmovzq 16(%rdi), %r10
  cmovzq 24(%rdi), %r11
  cmovzq 32(%rdi), %rax
  cmovzq 40(%rdi), %rcx
  movq %r8, 0(%rdi)
  movq %r9, 8(%rdi)
  movq %r10, 16(%rdi)
  movq %r11, 24(%rdi)
  movq %rax, 32(%rdi)
  movq %rcx, 40(%rdi)
  ret
  .cfi_endproc
  .size brs_p384_sub, .-brs_p384_sub
)");

namespace brs::crypto::p384 {

void MulAdx(Fe& r, const Fe& a, const Fe& b) { brs_p384_mul_adx(r.v, a.v, b.v); }
void SqrAdx(Fe& r, const Fe& a) { brs_p384_sqr_adx(r.v, a.v); }
void AddAsm(Fe& r, const Fe& a, const Fe& b) { brs_p384_add(r.v, a.v, b.v); }
void SubAsm(Fe& r, const Fe& a, const Fe& b) { brs_p384_sub(r.v, a.v, b.v); }

}  // namespace brs::crypto::p384

#endif  // __x86_64__
