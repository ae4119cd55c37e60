/*
 * redwire-control: the control-plane process. Composition root: loads the
 * configuration, then sets up the modules in dependency order (log, event
 * loop, AOF, channel consumer, management API: auth, TLS, Unix socket,
 * HTTPS), runs the loop until SIGTERM or SIGINT, and tears down in reverse
 * order. SIGHUP reloads the HTTPS certificate and key.
 *
 *   redwire-control --config FILE [--directive value ...]
 *
 * Context: the only thread of redwire-control.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api_auth.h"
#include "api_events.h"
#include "api_server.h"
#include "api_snap.h"
#include "api_task.h"
#include "api_tls.h"
#include "config.h"
#include "cp_aof.h"
#include "cp_chan.h"
#include "cp_load.h"
#include "cp_rdb.h"
#include "rw_log.h"
#include "cp_loop.h"

struct cp_main {
	struct rw_config cfg;
	struct cp_loop *loop;
	struct cp_aof *aof; /* NULL with appendonly no */
	struct cp_aof_conf aof_conf;
	struct cp_chan *chan;
	struct cp_rdb *rdb;    /* snapshots: the RDB writer */
	struct cp_rdb *aofrw;  /* AOF rewrites: their base's writer (NULL with appendonly no) */
	uint64_t aofrw_epoch;  /* the rewrite the AOF writer was armed for: dataplane epoch */
	uint32_t aofrw_id;     /* ... and snapshot id; 0 once installed */
	uint32_t aofrw_cut_id; /* its AOFRW_CUT waits for the writer's new incr file (0: none) */
	bool aofrw_cancel;     /* appendonly no during it: its base is not installed (before its
				  install job began), or installed without the writer (after) */
	struct cp_aof_install aofrw_job; /* the install, on the rewrite writer's thread */
	char rdb_path[4096];		 /* dir/dbfilename */
	struct api_auth *auth;
	struct api_tls *tls; /* NULL: no HTTPS listener */
	struct api_server *api;
	struct api_server *https;
	struct api_tasks tasks;	  /* long jobs, shown at /v1/tasks */
	struct api_snaps *snaps;  /* retained snapshot files, snapshot tasks */
	struct api_events events; /* the event history, /v1/events */
	/* a live restore being loaded (api_snap.h's api_restore_ops) */
	struct cp_rdb_reader *rst_reader;
	struct cp_load *rst_load;
	uint64_t rst_epoch; /* the dataplane it loads into */
	char rst_path[4096];
	int sigfd;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: redwire-control [--config FILE] [--directive value ...]\n"
		   "       redwire-control --version\n");
}

static void log_config_line(void *arg, const char *line)
{
	(void)arg;
	rw_log_kv(RW_LOG_INFO, "cp.config", line, NULL);
}

static void log_config_warning(void *arg, const char *line)
{
	(void)arg;
	rw_log_kv(RW_LOG_WARN, "cp.config", line, NULL);
}

static enum rw_log_level log_level(const char *redis_level)
{
	if (strcmp(redis_level, "debug") == 0 || strcmp(redis_level, "verbose") == 0)
		return RW_LOG_DEBUG;
	if (strcmp(redis_level, "warning") == 0)
		return RW_LOG_WARN;
	return RW_LOG_INFO;
}

/*
 * Split our own flags from the directive overrides, which go to the config
 * loader as they are. @return 0, 1 (printed help/version: exit 0), 2 (usage).
 */
static int args_parse(int argc, char **argv, const char **config, int *oargc, char ***oargv)
{
	*oargc = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc)
				return 2;
			*config = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 1;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("redwire-control %s\n", RW_VERSION);
			return 1;
		} else {
			(*oargv)[(*oargc)++] = argv[i];
		}
	}
	return 0;
}

static int config_setup(struct cp_main *m, int argc, char **argv)
{
	const char *path = NULL;
	int oargc;
	char **oargv = calloc((size_t)argc + 1, sizeof(char *));
	if (oargv == NULL)
		return 1;
	int rc = args_parse(argc, argv, &path, &oargc, &oargv);
	if (rc != 0) {
		if (rc == 2)
			usage(stderr);
		free(oargv);
		return rc == 1 ? -1 : 2;
	}
	char err[512] = "";
	rc =
	    rw_config_load(&m->cfg, path, oargc, oargv, log_config_warning, NULL, err, sizeof(err));
	free(oargv);
	if (rc != 0) {
		fprintf(stderr, "redwire-control: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	return 0;
}

static int log_setup(const struct rw_config *cfg)
{
	int fd = 1;
	if (cfg->logfile != NULL && cfg->logfile[0] != '\0') {
		fd = open(cfg->logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (fd < 0) {
			fprintf(stderr, "redwire-control: logfile %s: %s\n", cfg->logfile,
				strerror(errno));
			return -errno;
		}
	}
	rw_log_setup(fd, log_level(cfg->loglevel));
	return 0;
}

/* SIGHUP: certificate rotation without a restart. */
static void tls_reload(struct cp_main *m)
{
	char err[256], fp[65];
	if (m->tls == NULL) {
		rw_log_kv(RW_LOG_INFO, "cp.api", "SIGHUP: no HTTPS listener to reload", NULL);
		return;
	}
	int rc = api_tls_reload(m->tls, err, sizeof(err));
	api_tls_fingerprint(m->tls, fp, sizeof(fp));
	api_audit_write(&m->auth->audit, rc == 0 ? "change" : "change_refused", "signal:SIGHUP",
			"-", "SIGHUP", "tls/reload", rc == 0 ? 200 : 500,
			rc == 0 ? json_pack("{s:s}", "sha256", fp)
				: json_pack("{s:s}", "error", err));
	if (rc == 0) {
		rw_log_kv(RW_LOG_INFO, "cp.api", "HTTPS certificate reloaded", "sha256=%s", fp);
		api_events_emit(&m->events, "tls.reloaded",
				json_pack("{s:s, s:s}", "actor", "signal:SIGHUP", "sha256", fp));
	} else
		rw_log_kv(RW_LOG_ERR, "cp.api",
			  "HTTPS certificate reload failed; the old one stays", "err=\"%s\"", err);
}

static void on_signal(struct cp_loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	(void)events;
	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		tls_reload(arg);
		return;
	}
	rw_log_kv(RW_LOG_INFO, "cp.core", "stopping", "signal=%s", strsignal((int)si.ssi_signo));
	cp_loop_stop(l);
}

/* SIGTERM/SIGINT arrive through a signalfd, as loop events: no async handlers. */
static int signals_setup(struct cp_main *m)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m->sigfd < 0)
		return -errno;
	return cp_loop_add(m->loop, m->sigfd, EPOLLIN, on_signal, m);
}

/* ---- AOF: the channel consumer's journal sink ---- */

static int aof_sink_record(void *arg, uint64_t epoch, uint32_t w, uint64_t lsn, const void *payload,
			   uint32_t len)
{
	return cp_aof_record(((struct cp_main *)arg)->aof, epoch, w, lsn, payload, len);
}

static void aof_sink_flush(void *arg, uint64_t now_ms)
{
	cp_aof_flush(((struct cp_main *)arg)->aof, now_ms);
}

static uint64_t aof_sink_durable(void *arg, uint64_t epoch, uint32_t w)
{
	return cp_aof_durable_lsn(((struct cp_main *)arg)->aof, epoch, w);
}

static size_t aof_sink_info(void *arg, char *buf, size_t len)
{
	return cp_aof_info(((struct cp_main *)arg)->aof, buf, len);
}

static void aof_sink_status(void *arg, struct chan_persist_status *out)
{
	struct cp_aof_status st;
	cp_aof_status(((struct cp_main *)arg)->aof, &st);
	*out = (struct chan_persist_status){
	    .write_ok = st.write_ok && st.fsync_ok,
	    .write_errno = (uint32_t)(st.last_write_errno != 0	 ? st.last_write_errno
				      : st.last_fsync_errno != 0 ? st.last_fsync_errno
				      : st.poisoned		 ? EIO
								 : 0),
	    .current_size = st.current_bytes,
	    .base_size = st.rw_base_bytes,
	    .buffer_length = st.pending_bytes,
	    .pending_bio_fsync = st.fsync_inflight,
	};
}

static int aof_count(void *arg, const struct cp_aof_cmd *cmd)
{
	(void)arg;
	(void)cmd;
	return 0;
}

/*
 * appendonly yes: validate the whole AOF (CRCs, torn tail) and fail the
 * start naming file and offset if it is corrupt, then open it for append
 * (a torn tail is cut there). The commands reach the dataplane later, from
 * the channel's attach hook (aof_load_into): at every attach, so a
 * restarted dataplane is loaded again, and never into a live one.
 */
static int aof_open_files(struct cp_main *m);

static int aof_setup(struct cp_main *m)
{
	struct cp_aof_conf conf = {.dir = m->cfg.dir,
				   .dirname = m->cfg.appenddirname,
				   .filename = m->cfg.appendfilename,
				   .load_truncated = m->cfg.aof_load_truncated,
				   .reserve_bytes = (uint64_t)m->cfg.rw_aof_reserve};
	/* a rewrite with appendonly no writes there too, and CONFIG SET
	 * appendonly yes opens it with the fsync rule in effect */
	if (cp_aof_fsync_parse(m->cfg.appendfsync, &conf.fsync) != 0)
		return -EINVAL; /* the config loader validated it */
	m->aof_conf = conf;
	if (!m->cfg.appendonly)
		return 0;
	return aof_open_files(m);
}

/* Validate the AOF the manifest names and open it for append. */
static int aof_open_files(struct cp_main *m)
{
	struct cp_aof_load_info info;
	int rc = cp_aof_load(&m->aof_conf, aof_count, NULL, &info);
	if (rc == 0)
		rc = cp_aof_open(&m->aof, &m->aof_conf, &info);
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.aof", "cannot use the AOF",
			  "key=appendonly dir=%s err=\"%s\"", m->cfg.dir,
			  info.err[0] ? info.err : strerror(-rc));
		return rc;
	}
	uint32_t workers = 0;
	for (uint32_t w = 0; w < CP_AOF_MAX_WORKERS; w++)
		if (info.lsn[w] != 0)
			workers = w + 1;
	rw_log_kv(RW_LOG_INFO, "cp.aof", "AOF ready",
		  "durable_epoch=%016llx workers_in_file=%u durable_lsn_w0=%llu "
		  "durable_lsn_w1=%llu tail_cut_bytes=%llu",
		  (unsigned long long)info.epoch, workers, (unsigned long long)info.lsn[0],
		  (unsigned long long)info.lsn[1], (unsigned long long)info.tail_cut);
	return 0;
}

/* The AOF writer becomes the journal's sink (at boot, or appendonly yes). */
static void aof_sink_bind(struct cp_main *m)
{
	struct cp_jrnl_sink sink = {.arg = m,
				    .record = aof_sink_record,
				    .flush = aof_sink_flush,
				    .durable_lsn = aof_sink_durable,
				    .info = aof_sink_info,
				    .status = aof_sink_status};
	cp_chan_set_sink(m->chan, &sink);
}

/*
 * appendonly no at run time (Redis's stopAppendOnly()): what was taken is
 * written and fsynced, the files stay, nothing more is appended. A rewrite
 * under way is not installed (Redis kills its child).
 */
static void aof_stop(struct cp_main *m)
{
	if (m->aof == NULL)
		return;
	cp_chan_clear_sink(m->chan); /* first: the writer's durable LSNs still count */
	cp_aof_close(&m->aof);
	m->aofrw_cancel = m->aofrw_id != 0;
	rw_log_kv(RW_LOG_NOTICE, "cp.aof", "AOF stopped (appendonly no)", NULL);
}

/*
 * The dataplane's appendonly state (CONFIG_NOTE "appendonly"): "no";
 * "wait-rewrite" (CONFIG SET appendonly yes: the writer comes with the
 * rewrite's AOFRW_REQ, an open writer of the old files stops); "yes" (on:
 * re-sent after this control plane restarted, the files the manifest names
 * are continued).
 */
static void appendonly_note(struct cp_main *m, const char *value)
{
	if (strcmp(value, "no") == 0 ||
	    (strcmp(value, "wait-rewrite") == 0 && m->aof != NULL && !cp_aof_enabling(m->aof))) {
		aof_stop(m);
		return;
	}
	if (strcmp(value, "yes") != 0 || m->aof != NULL)
		return;
	if (aof_open_files(m) == 0)
		aof_sink_bind(m);
}

/* ---- AOF rewrite: a snapshot whose file becomes the AOF's base ---- */

/* The base is complete (on the loop): what its install needs, copied. */
static void *aofrw_prepare(void *arg)
{
	struct cp_main *m = arg;
	if (m->aofrw_cancel)
		return NULL; /* appendonly no came during the rewrite: not installed */
	/* m->aof NULL (appendonly no): a base-only AOF directory, as Redis writes */
	cp_aof_install_init(&m->aofrw_job, m->aof, &m->aof_conf, m->cfg.aof_use_rdb_preamble);
	return &m->aofrw_job;
}

/* On the rewrite writer's thread, after the base's fsync: files only. */
static int aofrw_run(void *job, const char *tmp_path, int status)
{
	return cp_aof_install_run(job, tmp_path, status);
}

/* Back on the loop: the writer takes the outcome (DONE carries it). */
static int aofrw_install_as(struct cp_main *m, void *job, const char *tmp_path, int status)
{
	bool gone = m->aofrw_cancel; /* the writer the job was made for is closed */
	m->aofrw_id = 0;
	m->aofrw_cancel = false;
	if (job == NULL) {
		unlink(tmp_path);
		return status != 0 ? status : -ECANCELED;
	}
	return cp_aof_install_commit(gone ? NULL : m->aof, job, status);
}

/* The rewrite's base is installed: a live restore may wait for it. */
static int aofrw_install(void *arg, void *job, const char *tmp_path, int status)
{
	struct cp_main *m = arg;
	int rc = aofrw_install_as(m, job, tmp_path, status);
	api_snaps_rewrite_done(m->snaps, rc);
	return rc;
}

/* The base's last END waits for the switch; a rewrite given up meanwhile
 * lets it through, to fail in install. It waits too while the writer's
 * thread re-persists the AOF after an fsync error: both change the
 * manifest, one at a time. */
static bool aofrw_ready(void *arg)
{
	struct cp_main *m = arg;
	return m->aof == NULL || (!cp_aof_rewrite_waiting(m->aof) && !cp_aof_rotating(m->aof));
}

static int aofrw_setup(struct cp_main *m)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/%s", m->cfg.dir, m->cfg.appenddirname);
	struct cp_rdb_conf conf = {.dir = dir,
				   .filename = m->cfg.appendfilename,
				   .checksum = m->cfg.rdbchecksum,
				   .install = aofrw_install,
				   .prepare = aofrw_prepare,
				   .install_run = aofrw_run,
				   .ready = aofrw_ready,
				   .hook_arg = m};
	return cp_rdb_create(&m->aofrw, &conf);
}

/* The dataplane answers a refused rewrite with its DONE: status < 0. */
static void aofrw_refuse(struct chan *ch, uint32_t id, int rc)
{
	struct chan_snap_done d = {.status = rc, .unix_ms = (uint64_t)time(NULL) * 1000};
	if (chan_msg_send(ch, 0, CHAN_TO_DP, CHAN_MSG_SNAP_DONE, id, &d, sizeof(d)) != 0)
		rw_log_kv(RW_LOG_WARN, "cp.aof", "cannot answer a refused rewrite (ring full)",
			  "id=%u", id);
}

/* mkdir dir/appenddirname (appendonly no: a rewrite may be its first user). */
static int aof_dir_make(struct cp_main *m)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", m->cfg.dir, m->cfg.appenddirname);
	return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* Let worker 0 take rewrite @p id's cut. @return 0 or -ENOSPC (ring full). */
static int aofrw_cut_send(struct cp_main *m, struct chan *ch, uint32_t id)
{
	if (chan_msg_send(ch, 0, CHAN_TO_DP, CHAN_MSG_AOFRW_CUT, id, &id, 0) == 0)
		return 0;
	if (m->aof != NULL)
		cp_aof_rewrite_abort(m->aof);
	return -ENOSPC;
}

/* Each poll: the cut of a rewrite whose incr file is being made goes once
 * the writer has it listed; a failure refuses the rewrite. */
static void aofrw_cut_poll(struct cp_main *m, struct chan *ch)
{
	uint32_t id = m->aofrw_cut_id;
	if (id == 0)
		return;
	int rc = m->aof != NULL ? cp_aof_rewrite_prepared(m->aof) : -ECANCELED;
	if (rc == 0)
		return;
	m->aofrw_cut_id = 0;
	if (rc > 0)
		rc = aofrw_cut_send(m, ch, id);
	if (rc == 0)
		return;
	rw_log_kv(RW_LOG_ERR, "cp.aof", "cannot start an AOF rewrite", "id=%u err=\"%s\"", id,
		  strerror(-rc));
	if (m->aofrw_id == id)
		m->aofrw_id = 0;
	aofrw_refuse(ch, id, rc);
}

/* AOFRW_REQ: arm the writer (it makes the cut's incr file, then holds
 * records back), then let worker 0 take the cut. */
static void aofrw_request(struct cp_main *m, struct chan *ch, const struct chan_msg *msg)
{
	uint32_t id = msg->id, flags = 0;
	uint64_t epoch = chan_info(ch)->epoch;
	if (msg->len >= sizeof(flags))
		memcpy(&flags, msg->payload, sizeof(flags));
	int rc;
	if ((flags & CHAN_AOFRW_F_ENABLE) && m->aof == NULL) {
		/* appendonly yes: this rewrite's base starts the AOF */
		uint64_t lsn[CHAN_MAX_WORKERS] = {0};
		for (uint32_t w = 0; w < chan_workers(ch); w++)
			lsn[w] = chan_jrnl_durable_lsn(ch, w);
		rc =
		    cp_aof_enable(&m->aof, &m->aof_conf, epoch, chan_workers(ch), lsn, cp_now_ms());
		if (rc == 0)
			aof_sink_bind(m);
	} else if (m->aof == NULL) {
		/* appendonly no: nothing to hold back, but the base's temp file
		 * goes into the AOF directory, which may not exist yet */
		rc = aof_dir_make(m);
	} else {
		rc = cp_aof_rewrite_arm(m->aof, epoch, chan_workers(ch), cp_now_ms());
	}
	bool later = rc == 0 && m->aof != NULL && cp_aof_rewrite_prepared(m->aof) == 0;
	if (rc == 0 && !later)
		rc = aofrw_cut_send(m, ch, id);
	rw_log_kv(rc == 0 ? RW_LOG_NOTICE : RW_LOG_ERR, "cp.aof",
		  rc == 0 ? "Background append only file rewriting started"
			  : "cannot start an AOF rewrite",
		  "id=%u err=\"%s\"", id, rc == 0 ? "" : strerror(-rc));
	if (rc != 0) {
		aofrw_refuse(ch, id, rc);
		api_snaps_rewrite_done(m->snaps, rc);
		return;
	}
	m->aofrw_epoch = epoch;
	m->aofrw_id = id;
	m->aofrw_cut_id = later ? id : 0;
	m->aofrw_cancel = false;
}

/*
 * CONFIG_NOTE: CONFIG SET changed a directive ("name\0value\0old\0source\0
 * client\0"). Those the control plane acts on are applied to what runs
 * from now on: the AOF's fsync
 * rule, the next rewrite's base format, the next load's torn-tail rule.
 * (rdbchecksum is immutable in Redis 7.0, so here too.)
 */
static void config_note(struct cp_main *m, const struct chan_msg *msg)
{
	const char *name = msg->payload, *value;
	size_t nl = strnlen(name, msg->len);
	if (msg->len < 2 || nl + 1 >= msg->len ||
	    ((const char *)msg->payload)[msg->len - 1] != '\0')
		return;
	value = name + nl + 1;
	/* every CONFIG SET on the RESP port is an event (api_events.h) */
	api_events_config_note(&m->events, msg->payload, msg->len);
	bool yes = strcasecmp(value, "yes") == 0;
	enum cp_aof_fsync f;
	if (strcmp(name, "appendfsync") == 0 && cp_aof_fsync_parse(value, &f) == 0) {
		m->aof_conf.fsync = f;
		if (m->aof != NULL)
			cp_aof_set_fsync(m->aof, f);
	} else if (strcmp(name, "aof-use-rdb-preamble") == 0) {
		m->cfg.aof_use_rdb_preamble = yes;
	} else if (strcmp(name, "aof-load-truncated") == 0) {
		m->aof_conf.load_truncated = yes;
		if (m->aof != NULL)
			cp_aof_set_load_truncated(m->aof, yes);
	} else if (strcmp(name, "appendonly") == 0) {
		/* the AOF's state comes in a note of its own (two fields); the
		 * CONFIG SET's note (five) is only its event */
		if (nl + 1 + strlen(value) + 1 == msg->len)
			appendonly_note(m, value);
	} else {
		return;
	}
	rw_log_kv(RW_LOG_NOTICE, "cp.config", "CONFIG SET applied", "name=%s value=%s", name,
		  value);
}

/* Snapshot messages: the armed rewrite's go to its base writer (a BEGIN
 * also tells the AOF writer that worker's cut), the others to dump.rdb's. */
static int snap_msg(void *arg, struct chan *ch, uint32_t w, const struct chan_msg *msg)
{
	struct cp_main *m = arg;
	if (msg == NULL) {
		aofrw_cut_poll(m, ch);
		if (m->aofrw != NULL)
			cp_rdb_msg(m->aofrw, ch, w, NULL);
		return cp_rdb_msg(m->rdb, ch, w, NULL);
	}
	if (msg->type == CHAN_MSG_AOFRW_REQ) {
		aofrw_request(m, ch, msg);
		return 0;
	}
	if (msg->type == CHAN_MSG_CONFIG_NOTE) {
		config_note(m, msg);
		return 0;
	}
	if (m->aofrw != NULL && msg->id == m->aofrw_id && chan_info(ch)->epoch == m->aofrw_epoch) {
		struct chan_snap_begin b;
		if (msg->type == CHAN_MSG_SNAP_BEGIN && msg->len >= sizeof(b) && m->aof != NULL) {
			memcpy(&b, msg->payload, sizeof(b));
			cp_aof_rewrite_cut(m->aof, m->aofrw_epoch, w, b.lsn);
		}
		return cp_rdb_msg(m->aofrw, ch, w, msg);
	}
	return cp_rdb_msg(m->rdb, ch, w, msg);
}

/* DIR/NAME, for the files the API keeps in the data directory. */
static void data_path(const struct cp_main *m, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", m->cfg.dir, name);
}

/* ---- the API's view of snapshots: the writer's progress, its notifications ---- */

static void snap_progress_copy(const struct cp_rdb_progress *p, struct api_snap_progress *out)
{
	*out = (struct api_snap_progress){.id = p->id,
					  .bytes = p->bytes,
					  .keys = p->keys,
					  .used_bytes = p->used_bytes,
					  .start_unix_ms = p->start_unix_ms};
}

static void rdb_notify(void *arg, bool done, const struct cp_rdb_progress *p, int status,
		       const char *path)
{
	struct api_snap_progress ap;
	snap_progress_copy(p, &ap);
	api_snaps_notify(((struct cp_main *)arg)->snaps, done, &ap, status, path);
}

static int snap_progress(void *arg, struct api_snap_progress *out)
{
	struct cp_rdb_progress p;
	int rc = cp_rdb_progress(((struct cp_main *)arg)->rdb, &p);
	snap_progress_copy(&p, out);
	return rc;
}

static int snap_check(void *arg, const char *path, char *err, size_t len)
{
	struct cp_rdb_load_info info = {0};
	(void)arg;
	int rc = cp_rdb_load(path, (uint64_t)time(NULL) * 1000, NULL, NULL, &info);
	snprintf(err, len, "%s", info.err);
	return rc;
}

static int auth_setup(struct cp_main *m)
{
	char tokens[4096], audit[4096], err[256] = "";
	data_path(m, "mgmt-tokens.json", tokens, sizeof(tokens));
	data_path(m, "mgmt-audit.jsonl", audit, sizeof(audit));
	if (mkdir(m->cfg.dir, 0755) != 0 && errno != EEXIST)
		rw_log_kv(RW_LOG_WARN, "cp.api", "cannot create the data directory",
			  "key=dir path=%s err=\"%s\"", m->cfg.dir, strerror(errno));
	const struct api_auth_conf conf = {.tokens_path = tokens,
					   .audit_path = audit,
					   .client_roles = m->cfg.rw_mgmt_client_roles,
					   .max_failures = (uint32_t)m->cfg.rw_mgmt_auth_failures,
					   .window_s = (uint32_t)m->cfg.rw_mgmt_auth_window};
	int rc = api_auth_create(&m->auth, &conf, err, sizeof(err));
	if (rc != 0)
		rw_log_kv(RW_LOG_ERR, "cp.api", "cannot set up management API authentication",
			  "err=\"%s\"", err[0] ? err : strerror(-rc));
	return rc;
}

/* redwire-mgmt-cert/-key, or the self-signed pair in the data directory. */
static int tls_setup(struct cp_main *m)
{
	char cert[4096], key[4096], err[512] = "";
	bool generate = m->cfg.rw_mgmt_cert[0] == '\0' && m->cfg.rw_mgmt_key[0] == '\0';
	if (generate) {
		data_path(m, "mgmt-cert.pem", cert, sizeof(cert));
		data_path(m, "mgmt-key.pem", key, sizeof(key));
	} else {
		snprintf(cert, sizeof(cert), "%s", m->cfg.rw_mgmt_cert);
		snprintf(key, sizeof(key), "%s", m->cfg.rw_mgmt_key);
	}
	const struct api_tls_conf conf = {.cert = cert,
					  .key = key,
					  .generate = generate,
					  .client_ca = m->cfg.rw_mgmt_client_ca,
					  .name = m->cfg.rw_name};
	int rc = api_tls_create(&m->tls, &conf, err, sizeof(err));
	if (rc != 0)
		rw_log_kv(RW_LOG_ERR, "cp.api", "cannot set up HTTPS",
			  "key=redwire-mgmt-cert err=\"%s\"", err[0] ? err : strerror(-rc));
	return rc;
}

/*
 * The Unix socket, then HTTPS. An HTTPS address another process holds
 * (two instances on one host with the default address) is logged and the
 * control plane goes on with the Unix socket alone: the appliance must not
 * lose its control plane over its management port.
 */
static const struct api_restore_ops restore_ops; /* below, beside the loaders */

static int api_setup(struct cp_main *m)
{
	int rc = auth_setup(m);
	bool https = m->cfg.rw_mgmt_address[0] != '\0';
	if (rc == 0 && https)
		rc = tls_setup(m);
	if (rc != 0)
		return rc;
	api_tasks_init(&m->tasks);
	api_events_init(&m->events);
	const struct api_snaps_conf sconf = {.dir = m->cfg.dir,
					     .chan = m->chan,
					     .tasks = &m->tasks,
					     .events = &m->events,
					     .progress = snap_progress,
					     .check = snap_check,
					     .restore = &restore_ops,
					     .arg = m};
	rc = api_snaps_create(&m->snaps, m->loop, &sconf);
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.api", "cannot keep snapshots",
			  "key=dir path=%s/snapshots err=\"%s\"", m->cfg.dir, strerror(-rc));
		return rc;
	}
	struct api_ctx ctx = {.name = m->cfg.rw_name,
			      .start_mono_ms = cp_now_ms(),
			      .chan = m->chan,
			      .cfg = &m->cfg,
			      .mgmt_socket = m->cfg.rw_mgmt_socket,
			      .auth = m->auth,
			      .tls = m->tls,
			      .proc_root = "",
			      .tasks = &m->tasks,
			      .snaps = m->snaps,
			      .events = &m->events};
	if (https) {
		rc = api_server_create_https(&m->https, m->loop, m->cfg.rw_mgmt_address, m->tls,
					     &ctx);
		if (rc == -EINVAL) {
			rw_log_kv(RW_LOG_ERR, "cp.api", "bad management address",
				  "key=redwire-mgmt-address value=%s want=IPv4:PORT|[IPv6]:PORT",
				  m->cfg.rw_mgmt_address);
			return rc;
		}
		if (rc != 0) {
			rw_log_kv(RW_LOG_ERR, "cp.api", "cannot serve HTTPS; Unix socket only",
				  "key=redwire-mgmt-address address=%s err=\"%s\"",
				  m->cfg.rw_mgmt_address, strerror(-rc));
			api_tls_destroy(&m->tls);
			ctx.tls = NULL;
		} else {
			char fp[65];
			api_tls_fingerprint(m->tls, fp, sizeof(fp));
			rw_log_kv(RW_LOG_INFO, "cp.api", "management HTTPS listening",
				  "address=%s cert_sha256=%s", m->cfg.rw_mgmt_address, fp);
		}
	}
	rc = api_server_create(&m->api, m->loop, m->cfg.rw_mgmt_socket, &ctx);
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.api", "cannot serve the management API",
			  "key=redwire-mgmt-socket path=%s err=\"%s\"", m->cfg.rw_mgmt_socket,
			  strerror(-rc));
		return rc;
	}
	rw_log_kv(RW_LOG_INFO, "cp.api", "management API listening", "path=%s",
		  m->cfg.rw_mgmt_socket);
	return 0;
}

static int aof_load_cmd(void *arg, const struct cp_aof_cmd *cmd)
{
	return cp_load_cmd(arg, cmd->db, cmd->argv, cmd->argc, cmd->resp, cmd->len,
			   cmd->loaded_bytes);
}

#define AOF_LOAD_ANSWER_MS 5000

/*
 * The channel's attach hook. A dataplane started with appendonly yes waits
 * (clients get -LOADING) until its dataset arrives: stream the AOF into it.
 * Everything the writer took from an earlier dataplane is written out
 * first, so a restarted dataplane gets all of it. A dataplane that serves
 * already (this control plane restarted) answers "serving" and gets
 * nothing: the journal resumes from its durable cursor.
 */
static int aof_load_into(void *arg, struct chan *ch, const char *path)
{
	struct cp_main *m = arg;
	struct cp_load *ld = NULL;
	struct cp_load_result res = {0};
	struct cp_aof_load_info info = {0};
	uint64_t total = 0, t0 = cp_now_ms();
	cp_aof_rewrite_abort(m->aof); /* a new dataplane: the old one's cut is gone */
	m->aofrw_cut_id = 0;
	cp_aof_flush(m->aof, t0);
	int rc = cp_aof_files_bytes(&m->aof_conf, &total);
	if (rc == 0)
		rc = cp_load_begin(&ld, ch, path, total, AOF_LOAD_ANSWER_MS, NULL);
	if (rc == 0 && cp_load_accepting(ld) == 0) {
		rw_log_kv(RW_LOG_INFO, "cp.aof", "dataplane serves already: not loading",
			  "epoch=%016llx", (unsigned long long)chan_info(ch)->epoch);
		cp_load_destroy(&ld);
		return 0;
	}
	if (rc == 0) {
		rw_log_kv(RW_LOG_INFO, "cp.aof", "loading the AOF into the dataplane",
			  "epoch=%016llx bytes=%llu workers=%u",
			  (unsigned long long)chan_info(ch)->epoch, (unsigned long long)total,
			  cp_load_accepting(ld));
		rc = cp_aof_load(&m->aof_conf, aof_load_cmd, ld, &info);
	}
	if (rc == 0)
		rc = cp_load_end(ld, AOF_LOAD_ANSWER_MS, &res);
	cp_load_destroy(&ld);
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.aof", "loading the AOF into the dataplane failed",
			  "err=\"%s\"", info.err[0] ? info.err : strerror(rc < 0 ? -rc : rc));
		return rc < 0 ? rc : -EIO;
	}
	rw_log_kv(RW_LOG_INFO, "cp.aof", "AOF loaded into the dataplane",
		  "files=%u commands=%llu sent=%llu skipped=%llu executed=%llu errors=%llu "
		  "workers=%u ms=%llu",
		  info.files, (unsigned long long)info.commands, (unsigned long long)res.sent,
		  (unsigned long long)res.skipped, (unsigned long long)res.executed,
		  (unsigned long long)res.errors, res.workers_loaded,
		  (unsigned long long)(cp_now_ms() - t0));
	return 0;
}

static int rdb_load_cmd(void *arg, uint32_t db, const struct resp_arg *argv, uint32_t argc,
			const uint8_t *resp, size_t len, uint64_t loaded_bytes)
{
	return cp_load_cmd(arg, db, argv, argc, resp, len, loaded_bytes);
}

/*
 * The channel's attach hook with appendonly no: a dataplane that found
 * dir/dbfilename at its start waits for it (-LOADING); stream it in. One
 * that serves already gets nothing. A missing file loads as empty.
 */
static int rdb_load_into(void *arg, struct chan *ch, const char *path)
{
	struct cp_main *m = arg;
	struct cp_load *ld = NULL;
	struct cp_load_result res = {0};
	struct cp_rdb_load_info info = {0};
	struct stat st;
	uint64_t t0 = cp_now_ms();
	uint64_t total = stat(m->rdb_path, &st) == 0 ? (uint64_t)st.st_size : 0;
	int rc = cp_load_begin(&ld, ch, path, total, AOF_LOAD_ANSWER_MS, NULL);
	if (rc == 0 && cp_load_accepting(ld) == 0) {
		cp_load_destroy(&ld);
		return 0;
	}
	if (rc == 0 && total > 0) {
		rw_log_kv(RW_LOG_INFO, "cp.rdb", "loading the RDB into the dataplane",
			  "path=%s bytes=%llu workers=%u", m->rdb_path, (unsigned long long)total,
			  cp_load_accepting(ld));
		rc = cp_rdb_load(m->rdb_path, (uint64_t)time(NULL) * 1000, rdb_load_cmd, ld, &info);
		if (rc == -ENOENT)
			rc = 0;
	}
	if (rc == 0)
		rc = cp_load_end(ld, AOF_LOAD_ANSWER_MS, &res);
	cp_load_destroy(&ld);
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.rdb", "loading the RDB into the dataplane failed",
			  "err=\"%s\"", info.err[0] ? info.err : strerror(rc < 0 ? -rc : rc));
		return rc < 0 ? rc : -EIO;
	}
	rw_log_kv(RW_LOG_INFO, "cp.rdb", "RDB loaded into the dataplane",
		  "keys=%llu expired_skipped=%llu executed=%llu errors=%llu workers=%u ms=%llu",
		  (unsigned long long)info.keys, (unsigned long long)info.expired,
		  (unsigned long long)res.executed, (unsigned long long)res.errors,
		  res.workers_loaded, (unsigned long long)(cp_now_ms() - t0));
	return 0;
}

/* ---- live restore: a retained snapshot into the running dataplane ---- */

#define RESTORE_SLICE_BUDGET_MS 10	      /* then the loop serves the API, the journal */
#define RESTORE_SLICE_BYTES	(256u * 1024) /* of the file between two clock reads */

/* A message that is not the load's while it waits: answered as the poll would. */
static void restore_other(void *arg, uint32_t w, const struct chan_msg *msg)
{
	cp_chan_msg_take(((struct cp_main *)arg)->chan, w, msg);
}

static void restore_close(struct cp_main *m)
{
	cp_load_destroy(&m->rst_load);
	cp_rdb_reader_close(&m->rst_reader);
}

/* Half loaded: detach, so the attach hook loads the durable dataset back
 * into every worker that is not serving (their shards are emptied first). */
static void restore_abandon(struct cp_main *m)
{
	restore_close(m);
	cp_chan_drop(m->chan, "restore_failed");
}

static int restore_begin(void *arg, const char *path, uint64_t *total, char *err, size_t len)
{
	struct cp_main *m = arg;
	struct cp_rdb_progress p;
	struct cp_rdb_load_info info;
	const char *chpath = NULL;
	struct chan *ch = cp_chan_mapped(m->chan, &chpath);
	if (ch == NULL) {
		snprintf(err, len, "the dataplane is not attached");
		return -ENOTCONN;
	}
	if (m->rst_load != NULL || cp_rdb_progress(m->rdb, &p) == 0 || m->aofrw_id != 0) {
		snprintf(err, len,
			 "a snapshot or AOF rewrite is being written; try again after it");
		return -EBUSY;
	}
	snprintf(m->rst_path, sizeof(m->rst_path), "%s", path);
	int rc =
	    cp_rdb_reader_open(&m->rst_reader, m->rst_path, (uint64_t)time(NULL) * 1000, &info);
	if (rc != 0) {
		snprintf(err, len, "%s", info.err[0] ? info.err : strerror(-rc));
		restore_close(m);
		return rc == -EBUSY ? -EIO : rc;
	}
	*total = info.bytes;
	const struct cp_load_opts opts = {
	    .flags = CHAN_LOAD_F_REPLACE, .other = restore_other, .other_arg = m};
	rc = cp_load_begin(&m->rst_load, ch, chpath, info.bytes, AOF_LOAD_ANSWER_MS, &opts);
	if (rc == -EBUSY) {
		snprintf(err, len,
			 "the dataplane runs a snapshot or AOF rewrite; try again after it");
		restore_close(m);
		return rc;
	}
	if (rc != 0) {
		snprintf(err, len, "the dataplane did not take the restore: %s", strerror(-rc));
		restore_abandon(m);
		return rc == -EBUSY ? -EIO : rc;
	}
	m->rst_epoch = chan_info(ch)->epoch;
	rw_log_kv(RW_LOG_NOTICE, "cp.rdb", "live restore: loading a snapshot into the dataplane",
		  "path=%s bytes=%llu workers=%u", path, (unsigned long long)info.bytes,
		  cp_load_accepting(m->rst_load));
	return 0;
}

static int restore_step(void *arg, uint64_t *done, char *err, size_t len)
{
	struct cp_main *m = arg;
	struct cp_load_result res = {0};
	struct chan *ch = cp_chan_mapped(m->chan, NULL);
	if (m->rst_load == NULL || ch == NULL || chan_info(ch)->epoch != m->rst_epoch) {
		/* the dataplane went away: the attach hook loads the new one from disk */
		snprintf(err, len, "the dataplane restarted or detached during the load");
		restore_close(m);
		return -ECONNRESET;
	}
	uint64_t t0 = cp_now_ms();
	int rc;
	do
		rc = cp_rdb_reader_step(m->rst_reader, rdb_load_cmd, m->rst_load,
					RESTORE_SLICE_BYTES);
	while (rc == 1 && cp_now_ms() - t0 < RESTORE_SLICE_BUDGET_MS);
	*done = cp_rdb_reader_offset(m->rst_reader);
	if (rc == 1)
		return 1;
	const struct cp_rdb_load_info *info = cp_rdb_reader_info(m->rst_reader);
	if (rc == 0)
		rc = cp_load_end(m->rst_load, AOF_LOAD_ANSWER_MS, &res);
	if (rc == 0 && res.errors != 0) {
		snprintf(err, len, "%llu keys could not be restored (see the dataplane's log)",
			 (unsigned long long)res.errors);
		rc = -EPROTO;
	} else if (rc != 0) {
		snprintf(err, len, "%s", info->err[0] ? info->err : strerror(-rc));
	}
	rw_log_kv(rc == 0 ? RW_LOG_NOTICE : RW_LOG_ERR, "cp.rdb",
		  rc == 0 ? "live restore: loaded"
			  : "live restore failed: loading the durable "
			    "dataset back",
		  "path=%s keys=%llu expired_skipped=%llu executed=%llu errors=%llu err=\"%s\"",
		  m->rst_path, (unsigned long long)info->keys, (unsigned long long)info->expired,
		  (unsigned long long)res.executed, (unsigned long long)res.errors,
		  rc == 0 ? "" : err);
	if (rc != 0) {
		restore_abandon(m);
		return rc;
	}
	restore_close(m);
	return 0;
}

/* Loaded: with the AOF on, its rewrite (BGREWRITEAOF SCHEDULE) makes the
 * restored dataset the new base; else the API asks for a snapshot. */
static int restore_persist(void *arg)
{
	struct cp_main *m = arg;
	if (m->aof == NULL)
		return API_RESTORE_PERSIST_RDB;
	const uint32_t flags = CHAN_SNAP_REQ_F_AOFRW;
	if (cp_chan_send(m->chan, 0, CHAN_MSG_SNAP_REQ, 1, &flags, sizeof(flags)) != 0)
		return -ENOSPC;
	return API_RESTORE_PERSIST_AOF;
}

static const struct api_restore_ops restore_ops = {
    .begin = restore_begin, .step = restore_step, .persist = restore_persist};

/* The channel's attach hook: the AOF while it is on (CONFIG SET may turn it
 * on or off), else dir/dbfilename. */
static int load_into(void *arg, struct chan *ch, const char *path)
{
	struct cp_main *m = arg;
	if (m->aof != NULL && !cp_aof_enabling(m->aof))
		return aof_load_into(arg, ch, path);
	return rdb_load_into(arg, ch, path);
}

/*
 * The snapshot writer; with appendonly no, check dir/dbfilename now (a
 * corrupt file stops the start, naming file and offset, as Redis does).
 */
static int rdb_setup(struct cp_main *m)
{
	struct cp_rdb_conf conf = {.dir = m->cfg.dir,
				   .filename = m->cfg.dbfilename,
				   .checksum = m->cfg.rdbchecksum,
				   .notify = rdb_notify,
				   .hook_arg = m};
	struct cp_rdb_load_info info;
	snprintf(m->rdb_path, sizeof(m->rdb_path), "%s/%s", m->cfg.dir, m->cfg.dbfilename);
	if (cp_rdb_create(&m->rdb, &conf) != 0)
		return -ENOMEM;
	if (m->cfg.appendonly)
		return 0;
	int rc = cp_rdb_load(m->rdb_path, (uint64_t)time(NULL) * 1000, NULL, NULL, &info);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.rdb", "cannot use the RDB", "key=dbfilename err=\"%s\"",
			  info.err[0] ? info.err : strerror(-rc));
		return rc;
	}
	rw_log_kv(RW_LOG_INFO, "cp.rdb", "RDB checked", "path=%s bytes=%llu keys=%llu", m->rdb_path,
		  (unsigned long long)info.bytes, (unsigned long long)info.keys);
	return 0;
}

static int modules_setup(struct cp_main *m)
{
	int rc = cp_loop_create(&m->loop);
	if (rc == 0)
		rc = signals_setup(m);
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.core", "event loop setup failed", "err=%d", -rc);
		return rc;
	}
	rc = aof_setup(m);
	if (rc == 0)
		rc = aofrw_setup(m); /* BGREWRITEAOF works with appendonly no too */
	if (rc == 0)
		rc = rdb_setup(m);
	if (rc != 0)
		return rc;
	rc = cp_chan_create(&m->chan, m->loop, m->cfg.rw_channel);
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.core", "channel consumer setup failed", "err=%d", -rc);
		return rc;
	}
	if (m->aof != NULL)
		aof_sink_bind(m);
	cp_chan_set_attach_hook(m->chan, load_into, m);
	cp_chan_set_snap_hook(m->chan, snap_msg, m);
	return api_setup(m);
}

static void modules_teardown(struct cp_main *m)
{
	api_server_destroy(&m->api);
	api_server_destroy(&m->https);
	api_snaps_destroy(&m->snaps);
	api_events_fini(&m->events);
	api_tls_destroy(&m->tls);
	api_auth_destroy(&m->auth);
	cp_chan_destroy(&m->chan);
	cp_rdb_destroy(&m->rdb);
	cp_rdb_destroy(&m->aofrw);
	cp_aof_close(&m->aof);
	if (m->sigfd >= 0)
		close(m->sigfd);
	cp_loop_destroy(&m->loop);
}

int main(int argc, char **argv)
{
	static struct cp_main m = {.sigfd = -1}; /* large (the task ring): not on the stack */
	int rc = config_setup(&m, argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (log_setup(&m.cfg) != 0) {
		rw_config_fini(&m.cfg);
		return 1;
	}
	rw_log_kv(RW_LOG_INFO, "cp.core", "redwire-control starting", "version=%s pid=%d config=%s",
		  RW_VERSION, (int)getpid(),
		  m.cfg.config_file && m.cfg.config_file[0] ? m.cfg.config_file : "-");
	rw_config_echo(&m.cfg, log_config_line, NULL);
	rc = modules_setup(&m);
	if (rc == 0)
		rc = cp_loop_run(m.loop);
	modules_teardown(&m);
	rw_log_kv(rc == 0 ? RW_LOG_INFO : RW_LOG_ERR, "cp.core", "redwire-control stopped",
		  "err=%d", -rc);
	rw_config_fini(&m.cfg);
	return rc == 0 ? 0 : 1;
}
