# ePHPm in an empty image: the fully static release binary and nothing else.
#
#   scripts/build.sh release        # on Debian 12: build/release/ephpm
#   docker build -t ephpm .
#   docker run -p 8080:8080 -v "$PWD/public:/app/public:ro" ephpm
#
# The binary needs no libraries, no loader and no NSS modules: it resolves
# names from /etc/hosts and /etc/resolv.conf, which the container runtime
# provides. Outgoing HTTPS from PHP (curl, streams) needs CA certificates at
# /etc/ssl/certs/ca-certificates.crt: mount the host's, or COPY them in a
# derived image.
FROM scratch
COPY build/release/ephpm /usr/local/bin/ephpm
# Request bodies over 1 MiB and PHP's uploads are spooled to $TMPDIR.
COPY --chown=65534:65534 docker/tmp /tmp
ENV TMPDIR=/tmp
# ePHPm listens on 0.0.0.0:$PORT when no listen address is configured.
ENV PORT=8080
EXPOSE 8080
# nobody:nogroup; ports below 1024 would need CAP_NET_BIND_SERVICE.
USER 65534:65534
WORKDIR /app
# No HEALTHCHECK yet: ePHPm has no health endpoint to ask (it will be
# `ephpm` itself probing it, as the image has no curl).
ENTRYPOINT ["/usr/local/bin/ephpm"]
CMD ["--document-root", "/app/public"]
