/**
 * One private L2 segment for several VMs: each QEMU sends its Ethernet frames as UDP datagrams
 * (`-netdev socket,udp=…,localaddr=…`) to this hub on 127.0.0.1, which repeats every frame to
 * all other members, like a switch without learning. Nothing leaves the loopback interface.
 */
import * as dgram from "node:dgram";

export class Segment {
    private readonly socket = dgram.createSocket("udp4");
    private readonly members = new Set<number>();
    port = 0;

    async start(): Promise<void> {
        this.socket.on("message", (frame, from) => {
            for (const member of this.members) if (member !== from.port) this.socket.send(frame, member, "127.0.0.1");
        });
        await new Promise<void>((resolve) => this.socket.bind(0, "127.0.0.1", resolve));
        this.port = this.socket.address().port;
    }

    /** A member's own UDP port (QEMU's localaddr); frames for it are sent there. */
    join(port: number): void {
        this.members.add(port);
    }

    leave(port: number): void {
        this.members.delete(port);
    }

    close(): void {
        this.socket.close();
    }
}

/** A free UDP port on 127.0.0.1 for a QEMU endpoint. */
export async function freeUdpPort(): Promise<number> {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
    const port = s.address().port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
}
