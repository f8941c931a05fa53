; A boot sector for the emulator test: reads sectors 1..2048 (1 MiB) of the boot disk
; through the BIOS (int 13h extended read), sums them as little-endian 16-bit words into
; 32 bits, prints "AIOFS-BOOT-SUM=XXXXXXXX" on COM1, and ends QEMU through isa-debug-exit
; (exit status 33 on success, 35 if a read failed).
bits 16
org 0x7c00

CHUNK_SECTORS equ 64                 ; 32 KiB per BIOS call
CHUNKS        equ 32                 ; 32 x 32 KiB = 1 MiB

start:
    jmp 0:normalized                 ; some BIOSes enter at 07c0:0000
normalized:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov [drive], dl
    mov cx, CHUNKS
next_chunk:
    push cx
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jc failed
    mov ax, 0x1000                   ; the buffer the DAP points at
    mov es, ax
    xor si, si
    mov cx, CHUNK_SECTORS * 256      ; words in the chunk
sum_words:
    movzx eax, word [es:si]
    add [sum], eax
    add si, 2
    loop sum_words
    add dword [dap_lba], CHUNK_SECTORS
    pop cx
    loop next_chunk

    mov si, message
    call puts
    mov eax, [sum]
    call puthex32
    mov al, 10
    call putc
    mov al, 0x10                     ; QEMU exits with (0x10 << 1) | 1 = 33
    out 0xf4, al
    hlt

failed:
    mov si, failure
    call puts
    mov al, 0x11                     ; exit status 35
    out 0xf4, al
    hlt

putc:                                ; al -> COM1, once the transmitter is empty
    push dx
    push ax
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop ax
    mov dx, 0x3f8
    out dx, al
    pop dx
    ret

puts:                                ; ds:si, zero-terminated
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret

puthex32:                            ; eax as 8 hex digits
    mov cx, 8
.digit:
    rol eax, 4
    push eax
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .print
    add al, 'A' - '9' - 1
.print:
    call putc
    pop eax
    loop .digit
    ret

drive   db 0
sum     dd 0
message db "AIOFS-BOOT-SUM=", 0
failure db "AIOFS-BOOT-READ-FAILED", 10, 0

align 4
dap:    db 0x10, 0
        dw CHUNK_SECTORS
        dw 0, 0x1000                 ; buffer offset, segment
dap_lba dq 1

times 510 - ($ - $$) db 0
dw 0xaa55
