"""Prints a free TCP port on 127.0.0.1 below the kernel's ephemeral range,
where the clients of tests running in parallel cannot take it between this
probe and the server's bind."""
import random
import socket

for _ in range(200):
    port = random.randint(20000, 30000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()
