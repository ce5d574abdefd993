import { mount } from 'svelte'
import App from './App.svelte'
import { installTvNavigation } from './tv-nav.ts'
import './app.css'

/** Entry point: mounts the app and the remote-control focus navigation. */
const target = document.getElementById('app')
if (target) {
  mount(App, { target })
  installTvNavigation(document)
}
