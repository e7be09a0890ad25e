;;; e2e.el --- keyguard in a real Emacs (run by scripts/e2e-emacs)  -*- lexical-binding: t -*-
;;
;; Uses the eglot or the lsp-mode configuration of docs/editors.md
;; (KG_CLIENT=eglot or lsp-mode): opens app.py holding a fake key, waits
;; for keyguard's diagnostic in flymake, applies "Move key to .env" through
;; the client's own code-action command (its questions answered yes by the
;; test), saves, and checks the files on disk byte for byte: app.py
;; rewritten, .env and .env.example created, .gitignore appended to.
;; Env: KG_BIN (keyguard), KG_WS (workspace: git repo, app.py, .gitignore
;; "node_modules/\n"), KG_KEY (the fake key; never printed).
(require 'flymake)
(require 'cl-lib)

(defun kg-fail (fmt &rest args)
  (princ (concat "FAIL: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun kg-log (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n") #'external-debugging-output))

(defun kg-wait (what pred)
  (let ((deadline (+ (float-time) 20)) v)
    (while (and (< (float-time) deadline) (not (setq v (funcall pred))))
      (accept-process-output nil 0.05))
    (unless v (kg-fail "timed out waiting for %s" what))
    v))

(defun kg-read (f)
  (with-temp-buffer
    (insert-file-contents-literally (expand-file-name f (getenv "KG_WS")))
    (buffer-string)))

;; The user's answers: yes to "edit these files?" and to "the file changed
;; on disk" (lsp-mode creates a file and then edits its buffer).
(defmacro kg-saying-yes (&rest body)
  `(cl-letf (((symbol-function 'y-or-n-p) (lambda (&rest _) t))
             ((symbol-function 'yes-or-no-p) (lambda (&rest _) t)))
     ,@body))

(defun kg-start-eglot (bin)
  (require 'eglot)
  (setq eglot-sync-connect 10)
  ;; docs/editors.md, "Emacs: eglot", with the built binary and probes off.
  (add-to-list 'eglot-server-programs
               `((python-mode) . (,bin "lsp" "--stdio"
                                       :initializationOptions (:probe (:enabled :json-false)))))
  (call-interactively #'eglot))

(defun kg-fix-eglot (d)
  ;; M-x eglot-code-actions on the key, picking the move fix in the menu.
  (cl-letf (((symbol-function 'completing-read)
             (lambda (_prompt items &rest _)
               (car (cl-find-if (lambda (i) (string-prefix-p "Move key to .env" (car i))) items)))))
    (let ((last-nonmenu-event ?a))
      (kg-saying-yes (eglot-code-actions (flymake-diagnostic-beg d) (flymake-diagnostic-end d) nil t)))))

(defun kg-start-lsp-mode (bin)
  (require 'lsp-mode)
  ;; lsp-mode loads these itself in an interactive session.
  (require 'lsp-diagnostics)
  (setq lsp-session-file (expand-file-name "lsp-session" (getenv "HOME"))
        lsp-auto-guess-root t
        lsp-diagnostics-provider :flymake
        lsp-keep-workspace-alive nil
        lsp-enable-snippet nil
        lsp-modeline-workspace-status-enable nil lsp-modeline-code-actions-enable nil
        lsp-modeline-diagnostics-enable nil lsp-headerline-breadcrumb-enable nil
        lsp-lens-enable nil lsp-semantic-tokens-enable nil)
  ;; docs/editors.md, "Emacs: lsp-mode", with the built binary and probes off.
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection (list bin "lsp" "--stdio"))
    :activation-fn (lambda (&rest _) t)
    :add-on? t
    :server-id 'keyguard
    :initialization-options (lambda () (list :probe (list :enabled :json-false)))))
  (lsp))

(defun kg-fix-lsp-mode (d)
  (goto-char (flymake-diagnostic-beg d))
  (let ((move (cl-find-if (lambda (a) (string-prefix-p "Move key to .env" (lsp:code-action-title a)))
                          (lsp-code-actions-at-point))))
    (unless move (kg-fail "no Move key to .env action at the key"))
    (kg-saying-yes (lsp-execute-code-action move))
    (accept-process-output nil 0.3)
    ;; lsp-mode wrote the created files after visiting them: the user's
    ;; "really edit the buffer? y".
    (dolist (b (buffer-list))
      (with-current-buffer b (when buffer-file-name (set-visited-file-modtime))))))

(condition-case err
    (let ((bin (getenv "KG_BIN")) (ws (getenv "KG_WS")) (key (getenv "KG_KEY"))
          (client (or (getenv "KG_CLIENT") "eglot")))
      (find-file (expand-file-name "app.py" ws))
      (if (equal client "lsp-mode") (kg-start-lsp-mode bin) (kg-start-eglot bin))
      (let ((d (car (kg-wait "keyguard's diagnostic in flymake"
                             (lambda () (flymake-start) (flymake-diagnostics))))))
        (kg-log "%s, flymake: %s" client (flymake-diagnostic-text d))
        (unless (string-match-p "hardcoded" (flymake-diagnostic-text d))
          (kg-fail "not keyguard's hardcoded-key diagnostic: %s" (flymake-diagnostic-text d)))
        (when (string-match-p (regexp-quote key) (flymake-diagnostic-text d))
          (kg-fail "the diagnostic holds the full key"))
        (goto-char (flymake-diagnostic-beg d))
        (if (equal client "lsp-mode") (kg-fix-lsp-mode d) (kg-fix-eglot d))
        (kg-saying-yes (save-some-buffers t))
        (let ((want `(("app.py" . "import os\n\napi_key = os.environ[\"OPENAI_API_KEY\"]\n")
                      (".env" . ,(concat "OPENAI_API_KEY=" key "\n"))
                      (".env.example" . "OPENAI_API_KEY=\n")
                      (".gitignore" . "node_modules/\n.env\n"))))
          (dolist (w want)
            (let ((got (kg-read (car w))))
              (unless (equal got (cdr w))
                (kg-fail "%s is %S, want %S" (car w)
                         (replace-regexp-in-string (regexp-quote key) "<key>" got t t)
                         (replace-regexp-in-string (regexp-quote key) "<key>" (cdr w) t t))))))
        (kg-log "%s: files on disk are right" client)
        (kg-log "e2e-emacs: ok")
        (kill-emacs 0)))
  (error (kg-fail "%s" (replace-regexp-in-string (regexp-quote (or (getenv "KG_KEY") "\0")) "<key>"
                                                 (error-message-string err) t t))))
