/*
 * The web console (issue #8 item 4): one page and its script and style
 * sheet, hand-written and compiled into redwire-control (embed.py), served
 * at GET /console, /console/app.js and /console/app.css.
 *
 * These three are the only routes served without credentials: they are
 * static, identical for everyone and hold no data. Every figure the page
 * shows comes from the authenticated JSON routes, called by the script
 * with the bearer token the operator pastes (kept in sessionStorage, sent
 * in the Authorization header). No cookie is ever set, so a page of
 * another site cannot make the browser send a credential (no CSRF surface).
 *
 * Each answer carries a strict Content-Security-Policy: scripts, styles
 * and requests from this origin only (images may also be data: URIs:
 * the page's empty icon, so the browser asks for no /favicon.ico), no
 * inline script or style, no
 * framing (clickjacking), no plugins, no base or form targets; and
 * X-Content-Type-Options: nosniff.
 *
 * Context: the control plane's event loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

extern const unsigned char api_console_html[], api_console_app_js[], api_console_app_css[];
extern const size_t api_console_html_len, api_console_app_js_len, api_console_app_css_len;

#define API_CONSOLE_HEADERS                                                                        \
	"Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "       \
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "           \
	"form-action 'none'; frame-ancestors 'none'\r\n"                                           \
	"X-Content-Type-Options: nosniff\r\n"                                                      \
	"X-Frame-Options: DENY\r\n"                                                                \
	"Referrer-Policy: no-referrer\r\n"

_Static_assert(sizeof(API_CONSOLE_HEADERS) < sizeof(((struct api_resp *)0)->extra),
	       "the console's header fields fit in api_resp.extra");

static int asset(struct api_resp *resp, const unsigned char *data, size_t len, const char *type)
{
	resp->body = malloc(len + 1);
	if (resp->body == NULL)
		return -ENOMEM;
	memcpy(resp->body, data, len + 1);
	resp->len = len;
	resp->status = 200;
	resp->content_type = type;
	snprintf(resp->extra, sizeof(resp->extra), "%s", API_CONSOLE_HEADERS);
	return 0;
}

int api_console_page(const struct api_ctx *ctx, struct api_resp *resp)
{
	(void)ctx;
	return asset(resp, api_console_html, api_console_html_len, API_CT_HTML);
}

int api_console_js(const struct api_ctx *ctx, struct api_resp *resp)
{
	(void)ctx;
	return asset(resp, api_console_app_js, api_console_app_js_len, API_CT_JS);
}

int api_console_css(const struct api_ctx *ctx, struct api_resp *resp)
{
	(void)ctx;
	return asset(resp, api_console_app_css, api_console_app_css_len, API_CT_CSS);
}
