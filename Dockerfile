# Backdoor Lab for a workshop: one container = one server for a room of students.
#   docker build -t backdoor-lab .                      # add --build-arg WARM=1 to pre-train the presets
#   docker run -p 8501:8501 -v lab-models:/data/models backdoor-lab
# Several replicas can share one model store: mount the same volume at /data/models in each
# (entries are written atomically and never changed). See README, "Running a workshop".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BACKDOOR_LAB_CACHE=/data/cache \
    BACKDOOR_LAB_STORE=/data/models

WORKDIR /app

# Dependencies first, so a code change does not reinstall torch. The CPU build of torch is
# a fraction of the size; a GPU host can drop the index URL.
COPY pyproject.toml README.md ./
COPY backdoor/ backdoor/
COPY models/ models/
RUN pip install torch==2.14.1 torchvision==0.29.1 --index-url https://download.pytorch.org/whl/cpu \
    && pip install .

COPY app.py ./
COPY pages/ pages/
COPY ui/ ui/
COPY lessons/ lessons/
COPY .streamlit/ .streamlit/

RUN useradd --create-home --uid 1000 lab && mkdir -p /data/cache /data/models && chown -R lab /data
USER lab

# Optional: train every classroom preset into the store at build time (about 1.5 minutes).
ARG WARM=0
RUN if [ "$WARM" = "1" ]; then python -m backdoor.prepare; fi

VOLUME ["/data/models"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
